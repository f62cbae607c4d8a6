// Leader election with a coordination.k8s.io/v1 Lease, as client-go's leaderelection does
// for kube-controller-manager: a candidate takes the Lease when its holder has not renewed
// it for leaseDuration (measured on this server's clock from when it saw the Lease change,
// so clocks of different servers need not agree); the leader renews it every retryPeriod
// and steps down when no renewal succeeded for renewDeadline, which is shorter than
// leaseDuration, so it has stopped acting before anyone else may take over. Unlike
// client-go's polling, a candidate sees each renewal through the store's change feed as it
// happens and tries again the moment the lease runs out: a dead leader is replaced
// leaseDuration after its last renewal, not up to two retry periods later.
import type { Registry } from "../api/registry/registry.ts";
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import { ApiError } from "../api/errors.ts";
import { microTimestamp } from "../api/registry/metadata.ts";

export type LeaderElectionTimings = { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };

/** kube-controller-manager's defaults: --leader-elect-lease-duration 15s, --leader-elect-renew-deadline 10s, --leader-elect-retry-period 2s. */
export const CONTROLLER_MANAGER_TIMINGS: LeaderElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export type LeaderElectionOptions = {
  registry: Registry;
  /** The Lease's name in kube-system. */
  name: string;
  identity: string;
  timings?: LeaderElectionTimings;
  /** Called when this server takes the lease; leading lasts until onStoppedLeading. */
  onStartedLeading: () => void;
  /** Called at once when this server loses the lease or cannot renew it in time. */
  onStoppedLeading: () => void;
  log?: (line: string) => void;
};

type LeaseSpec = { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };

export const LEASE_NAMESPACE = "kube-system";
const RELEASE_WAIT_MS = 2000;
/** The Lease the controllers, scheduler and node lifecycle of all servers share. */
export const CONTROL_PLANE_LEASE = "skiff-controller-manager";

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer?: ReturnType<typeof setTimeout>;
  /** The Lease's resourceVersion as last seen, and when (this server's clock). */
  private observedVersion?: string;
  private observedAt = 0;
  private lastRenewedAt = 0;
  private readonly timings: LeaderElectionTimings;
  private readonly leaseKind: KindDef;
  private loop: Promise<void> = Promise.resolve();
  /** When a lease held by another runs out, as last seen (this server's clock). */
  private expiresAt = 0;
  private unsubscribe?: () => void;

  constructor(private readonly opts: LeaderElectionOptions) {
    this.timings = opts.timings ?? CONTROLLER_MANAGER_TIMINGS;
    const kind = opts.registry.kind("coordination.k8s.io", "v1", "leases");
    if (!kind) throw new Error("leader election needs the coordination.k8s.io/v1 Lease kind");
    this.leaseKind = kind;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get identity(): string {
    return this.opts.identity;
  }

  start(): void {
    const leaseResource = `${this.leaseKind.group}/${this.leaseKind.plural}`;
    this.unsubscribe = this.opts.registry.subscribe((c) => {
      if (c.resource !== leaseResource || c.namespace !== LEASE_NAMESPACE || c.name !== this.opts.name) return;
      if (c.object.metadata.resourceVersion === this.observedVersion) return;
      this.observedVersion = c.object.metadata.resourceVersion;
      this.observedAt = Date.now();
    });
    this.schedule(0);
  }

  /** Stop campaigning; a leader gives the lease up (empty holder) so another takes it without waiting out the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.loop;
    if (!this.leading) return;
    this.stepDown("stopping");
    // Bounded: with etcd gone (or out of quorum) the lease simply runs out instead.
    await Promise.race([this.release().catch(() => {}), new Promise((r) => setTimeout(r, RELEASE_WAIT_MS))]);
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.loop = this.tick().finally(() => {
        // A candidate waiting on another's lease tries again as it runs out, if that comes before the next retry.
        const untilExpiry = this.expiresAt - Date.now();
        this.schedule(this.leading || untilExpiry <= 0 ? this.timings.retryPeriodMs : Math.min(this.timings.retryPeriodMs, untilExpiry + 10));
      });
    }, ms);
  }

  private async tick() {
    const now = Date.now();
    try {
      const ok = await this.withDeadline(this.tryAcquireOrRenew(now));
      if (this.stopped) return;
      if (ok) {
        this.lastRenewedAt = now;
        if (!this.leading) {
          this.leading = true;
          this.opts.log?.(`leader election: ${this.opts.identity} leads ${LEASE_NAMESPACE}/${this.opts.name}`);
          this.opts.onStartedLeading();
        }
      } else if (this.leading) {
        this.stepDown("the lease is held by another server");
      }
    } catch (e) {
      if (this.leading && Date.now() - this.lastRenewedAt >= this.timings.renewDeadlineMs) this.stepDown(`no renewal for ${this.timings.renewDeadlineMs / 1000}s (${(e as Error).message})`);
    }
    // The deadline passes between ticks too: a renewal that hangs must not keep a leader acting.
    if (this.leading && Date.now() - this.lastRenewedAt >= this.timings.renewDeadlineMs) this.stepDown(`no renewal for ${this.timings.renewDeadlineMs / 1000}s`);
  }

  /** One attempt may take no longer than what is left of the renew deadline (at least one retry period). */
  private withDeadline<T>(p: Promise<T>): Promise<T> {
    const left = this.leading ? Math.max(this.timings.retryPeriodMs, this.lastRenewedAt + this.timings.renewDeadlineMs - Date.now()) : this.timings.renewDeadlineMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("lease write timed out")), left)));
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  private stepDown(why: string) {
    if (!this.leading) return;
    this.leading = false;
    this.opts.log?.(`leader election: ${this.opts.identity} stops leading: ${why}`);
    this.opts.onStoppedLeading();
  }

  /** True when this server holds the lease after the attempt. */
  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const { registry, name, identity } = this.opts;
    const current = registry.tryGet(this.leaseKind, LEASE_NAMESPACE, name);
    if (current && current.metadata.resourceVersion !== this.observedVersion) {
      this.observedVersion = current.metadata.resourceVersion;
      this.observedAt = now;
    }
    const spec = (current?.spec ?? {}) as LeaseSpec;
    const heldByOther = !!spec.holderIdentity && spec.holderIdentity !== identity;
    const durationMs = (spec.leaseDurationSeconds ?? this.timings.leaseDurationMs / 1000) * 1000;
    this.expiresAt = heldByOther ? this.observedAt + durationMs : 0;
    if (heldByOther && now < this.expiresAt) return false;
    const stamp = microTimestamp(now);
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.timings.leaseDurationMs / 1000),
      acquireTime: spec.holderIdentity === identity && spec.acquireTime ? spec.acquireTime : stamp,
      renewTime: stamp,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (spec.holderIdentity === identity ? 0 : 1),
    };
    const expectedVersion = current?.metadata.resourceVersion;
    try {
      const written = await registry.replace(
        this.leaseKind,
        LEASE_NAMESPACE,
        name,
        (stored) => {
          // Compare-and-swap: the lease must still be the one this decision was made on.
          if ((stored?.metadata.resourceVersion ?? undefined) !== expectedVersion) throw new LeaseMoved();
          const base: KubeObject = stored ?? { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, namespace: LEASE_NAMESPACE } };
          return { ...base, spec: next };
        },
        {},
        undefined,
        true,
      );
      this.observedVersion = written.object.metadata.resourceVersion;
      this.observedAt = now;
      return true;
    } catch (e) {
      if (e instanceof LeaseMoved) return false;
      if (e instanceof ApiError && (e.code === 409 || e.code === 404)) return false;
      throw e;
    }
  }

  /** Give the lease up on a clean stop, as client-go's ReleaseOnCancel. */
  private async release() {
    const { registry, name, identity } = this.opts;
    await registry.replace(this.leaseKind, LEASE_NAMESPACE, name, (stored) => {
      const spec = (stored?.spec ?? {}) as LeaseSpec;
      if (!stored || spec.holderIdentity !== identity) throw new LeaseMoved();
      return { ...stored, spec: { ...spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: microTimestamp(Date.now()) } };
    });
  }
}

class LeaseMoved extends Error {}

/** The identity of a server in the election: its node name and a random suffix, as kube-controller-manager's host_uuid. */
export function electionIdentity(nodeName: string): string {
  return `${nodeName}_${crypto.randomUUID()}`;
}
