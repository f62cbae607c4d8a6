// The scheduler: binds pending pods of the default scheduler to nodes. Decisions are made
// one pod at a time against an incrementally kept node cache; the pod is "assumed" on its
// node at once, so the binding writes can run while the next pods are placed.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import type { InformerFactory } from "../controllers/runtime/informer.ts";
import type { RecordEvent } from "../controllers/events.ts";
import { nodeNameOf, podPhase } from "../controllers/shared/pod-state.ts";
import { NodeCache } from "./node-cache.ts";
import { fitErrorMessage, place } from "./placement.ts";
import { hasRequiredPodAffinity, podAffinityCheck } from "./pod-affinity.ts";
import { pinnedNodeNames } from "./node-matching.ts";
import { bindDelayedClaims, onVolumeChanges, VOLUME_CONFLICT, volumeDecision } from "./volume-binding.ts";

export type BindPod = (namespace: string, name: string, node: string) => Promise<void>;

export type SchedulerOptions = {
  bind: BindPod;
  recordEvent: RecordEvent;
  /** Binding writes in flight at once. */
  maxInFlight?: number;
  /** Unschedulable pods are retried at least this often even when nothing changes. */
  retryUnschedulableMs?: number;
  /** Each attempt's outcome and latency, for scheduler metrics. */
  onAttempt?: (result: "scheduled" | "unschedulable" | "error", seconds: number) => void;
};

export const SCHEDULER_NAME = "default-scheduler";
const podKey = (p: KubeObject) => `${p.metadata.namespace}/${p.metadata.name}`;

function wantsScheduling(p: KubeObject): boolean {
  const spec = (p.spec ?? {}) as { schedulerName?: string; nodeName?: string };
  if ((spec.schedulerName || SCHEDULER_NAME) !== SCHEDULER_NAME || spec.nodeName || p.metadata.deletionTimestamp) return false;
  const phase = podPhase(p);
  return phase !== "Succeeded" && phase !== "Failed";
}

/** Holds a node's pods in the cache: bound, not finished. */
function occupiesNode(p: KubeObject): boolean {
  const phase = podPhase(p);
  return !!nodeNameOf(p) && phase !== "Succeeded" && phase !== "Failed";
}

export class Scheduler {
  readonly cache = new NodeCache();
  private readonly active = new Set<string>();
  private readonly unschedulable = new Set<string>();
  private readonly backoff = new Map<string, number>();
  private inFlight = 0;
  private wake?: () => void;
  private stopped = false;
  private loop?: Promise<void>;
  private flushTimer?: Timer;
  private retryTimer?: Timer;
  private next = 0;
  /** Pods bound since start (for metrics and benchmarks). */
  scheduled = 0;

  constructor(
    private readonly registry: Registry,
    informers: InformerFactory,
    private readonly kinds: { pod: KindDef; node: KindDef },
    private readonly opts: SchedulerOptions,
  ) {
    const pods = informers.for(kinds.pod);
    const nodes = informers.for(kinds.node);
    for (const n of nodes.list()) this.cache.setNode(n);
    for (const p of pods.list()) {
      if (occupiesNode(p)) this.cache.addPod(podKey(p), p, nodeNameOf(p)!);
      else if (wantsScheduling(p)) this.active.add(podKey(p));
    }
    nodes.onChange((node, prev) => {
      if (node) this.cache.setNode(node);
      else this.cache.removeNode(prev!.metadata.name!);
      if (!prev || !node || schedulingFacts(node) !== schedulingFacts(prev)) this.flushSoon();
    });
    pods.onChange((pod, prev) => this.onPod(pod, prev));
    onVolumeChanges(registry, informers, () => this.flushSoon());
  }

  private onPod(pod: KubeObject | undefined, prev: KubeObject | undefined) {
    const key = podKey(pod ?? prev!);
    if (pod && occupiesNode(pod)) {
      const placed = !this.cache.isAccounted(key);
      this.cache.addPod(key, pod, nodeNameOf(pod)!);
      this.active.delete(key);
      this.unschedulable.delete(key);
      if (placed) this.retryPodsWaitingForPods();
      return;
    }
    const wasAccounted = this.cache.isAccounted(key);
    // A pod that leaves a node (deleted or finished) frees room: retry the ones waiting.
    if (wasAccounted && (!pod || !this.isAssumed(key))) {
      this.cache.removePod(key);
      this.flushSoon();
    }
    if (!pod || !wantsScheduling(pod)) {
      this.active.delete(key);
      this.unschedulable.delete(key);
      this.backoff.delete(key);
      return;
    }
    // Our own status write on an unschedulable pod must not make it retry at once.
    if (this.unschedulable.has(key) && prev && JSON.stringify(prev.spec) === JSON.stringify(pod.spec)) return;
    this.unschedulable.delete(key);
    this.enqueue(key);
  }

  private readonly assumed = new Set<string>();
  /** Unschedulable pods with required pod affinity: retried when any pod is placed. */
  private readonly waitingForPods = new Set<string>();
  private isAssumed(key: string) {
    return this.assumed.has(key);
  }

  /** A pod that appears on a node may be the one another pod's affinity waits for. */
  private retryPodsWaitingForPods() {
    if (!this.waitingForPods.size) return;
    for (const k of this.waitingForPods) if (this.unschedulable.delete(k)) this.active.add(k);
    this.waitingForPods.clear();
    this.wake?.();
  }

  private enqueue(key: string) {
    this.active.add(key);
    this.wake?.();
  }

  private flushSoon() {
    if (this.flushTimer || !this.unschedulable.size) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      for (const k of this.unschedulable) this.active.add(k);
      this.unschedulable.clear();
      this.wake?.();
    }, 100);
  }

  start() {
    const retry = this.opts.retryUnschedulableMs ?? 30_000;
    this.retryTimer = setInterval(() => {
      for (const k of this.unschedulable) this.active.add(k);
      this.unschedulable.clear();
      this.wake?.();
    }, retry);
    this.loop = this.run();
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.retryTimer);
    clearTimeout(this.flushTimer);
    this.wake?.();
    await this.loop;
    while (this.inFlight > 0) await Bun.sleep(5);
  }

  /** Pods waiting to be placed (not counting unschedulable ones). */
  get pending(): number {
    return this.active.size;
  }

  private async run() {
    const maxInFlight = this.opts.maxInFlight ?? 256;
    let sinceYield = 0;
    while (!this.stopped) {
      if (!this.active.size || this.inFlight >= maxInFlight) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const key = this.active.values().next().value!;
      this.active.delete(key);
      const i = key.indexOf("/");
      const pod = this.registry.store.get("pods", key.slice(0, i), key.slice(i + 1));
      if (!pod || !wantsScheduling(pod) || this.isAssumed(key)) continue;
      this.scheduleOne(key, pod);
      // Let binding writes and watchers run between decisions.
      if (++sinceYield >= 64) {
        sinceYield = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  private scheduleOne(key: string, pod: KubeObject) {
    const started = performance.now();
    const attempt = (result: "scheduled" | "unschedulable" | "error") => this.opts.onAttempt?.(result, (performance.now() - started) / 1000);
    const volumes = volumeDecision(pod, this.registry);
    if ("unschedulable" in volumes) {
      attempt("unschedulable");
      return this.unschedulableAttempt(key, pod, `0/${this.cache.all().length} nodes are available: ${volumes.unschedulable}.`);
    }
    const everyNode = this.cache.all();
    const nodes = volumes.reachable ? everyNode.filter((n) => volumes.reachable!(n.node)) : everyNode;
    const affinity = podAffinityCheck(pod, nodes, this.cache.antiAffinityPods.values(), (name) => this.cache.get(name));
    let { placement, examined } = this.placePinned(pod, affinity) ?? place(pod, nodes, this.next, affinity);
    // A pinned pod that does not fit is explained against every node, as upstream words it.
    if (!("node" in placement) && examined < nodes.length) ({ placement, examined } = place(pod, nodes, this.next, affinity));
    else this.next = nodes.length ? (this.next + examined) % nodes.length : 0;
    if ("node" in placement) {
      const node = placement.node;
      this.assumed.add(key);
      this.cache.addPod(key, pod, node);
      this.retryPodsWaitingForPods();
      this.inFlight++;
      const bind = () => this.opts.bind(pod.metadata.namespace!, pod.metadata.name!, node);
      (volumes.delayed.length ? bindDelayedClaims(this.registry, volumes.delayed, node).then(bind) : bind())
        .then(() => {
          attempt("scheduled");
          this.scheduled++;
          this.backoff.delete(key);
          this.opts.recordEvent(pod, "Normal", "Scheduled", `Successfully assigned ${key} to ${node}`);
        })
        .catch((e) => {
          attempt("error");
          // The binding did not happen: forget the assumption and try again later.
          const latest = this.registry.store.get("pods", pod.metadata.namespace!, pod.metadata.name!);
          if (!latest || nodeNameOf(latest) !== node) this.cache.removePod(key);
          if (latest && wantsScheduling(latest)) this.retryLater(key);
          if ((e as { code?: number }).code !== 409 && (e as { code?: number }).code !== 404) console.error(`scheduler: binding ${key} to ${node}: ${(e as Error).message}`);
        })
        .finally(() => {
          this.assumed.delete(key);
          this.inFlight--;
          this.wake?.();
        });
      return;
    }
    attempt("unschedulable");
    if (nodes.length < everyNode.length) {
      placement.reasons.set(VOLUME_CONFLICT, everyNode.length - nodes.length);
      placement.nodes = everyNode.length;
    }
    this.unschedulableAttempt(key, pod, fitErrorMessage(placement.reasons, placement.nodes));
  }

  private unschedulableAttempt(key: string, pod: KubeObject, message: string) {
    this.unschedulable.add(key);
    if (hasRequiredPodAffinity(pod)) this.waitingForPods.add(key);
    this.opts.recordEvent(pod, "Warning", "FailedScheduling", message);
    void this.markUnschedulable(pod, message).catch(() => {});
  }

  /** Placement among the nodes the pod's affinity names, when it names them (DaemonSet pods). */
  private placePinned(pod: KubeObject, affinity: ReturnType<typeof podAffinityCheck>) {
    const names = pinnedNodeNames(pod);
    if (!names) return undefined;
    const candidates = names.map((n) => this.cache.get(n)).filter((n) => n !== undefined);
    const { placement } = place(pod, candidates, 0, affinity);
    return { placement, examined: candidates.length };
  }

  private retryLater(key: string) {
    const n = (this.backoff.get(key) ?? 0) + 1;
    this.backoff.set(key, n);
    setTimeout(() => !this.stopped && this.enqueue(key), Math.min(10_000, 100 * 2 ** (n - 1)));
  }

  private async markUnschedulable(pod: KubeObject, message: string) {
    const cond = ((pod.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] })?.conditions ?? []).find((c) => c.type === "PodScheduled");
    if (cond?.status === "False" && cond.reason === "Unschedulable" && cond.message === message) return;
    await this.registry.replace(this.kinds.pod, pod.metadata.namespace!, pod.metadata.name!, (cur) => {
      const p = cur!;
      const status = (p.status ??= {}) as { phase?: string; conditions?: unknown[] };
      status.phase ??= "Pending";
      const conditions = ((status.conditions ?? []) as { type: string }[]).filter((c) => c.type !== "PodScheduled");
      conditions.push({ type: "PodScheduled", status: "False", lastProbeTime: null, lastTransitionTime: nowTimestamp(), reason: "Unschedulable", message } as never);
      status.conditions = conditions;
      return p;
    }, {}, "status");
  }
}

/** The parts of a node the scheduler decides on (heartbeats alone do not retry pods). */
function schedulingFacts(n: KubeObject): string {
  const status = (n.status ?? {}) as { allocatable?: unknown; conditions?: { type: string; status: string }[] };
  const ready = (status.conditions ?? []).find((c) => c.type === "Ready")?.status;
  return JSON.stringify([n.metadata.labels, n.spec, status.allocatable, ready]);
}
