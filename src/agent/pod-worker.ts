// One pod's worker: compares the desired pod with what the runtime runs, and takes one
// step toward it each time it is synced (sandbox, init containers in order, containers,
// restarts with back-off, probes, graceful teardown), then reports the pod's status.
import type { ContainerInfo, RuntimeDriver, SandboxInfo } from "./runtime/types.ts";
import { RuntimeError } from "./runtime/errors.ts";
import { LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from "./runtime/labels.ts";
import type { Pod } from "./pod-source.ts";
import { ContainerConfigError, containerEnv, parseQuantity, readsPodIP, type ObjectLookup } from "./env.ts";
import { containerMounts, removePodDir, syncVolumes, VolumeNotReady } from "./volumes.ts";
import type { ProjectedTokens } from "./projected-tokens.ts";
import { ProbeState, runProbe, type ProbeKind } from "./probes.ts";
import { Backoff } from "./backoff.ts";
import type { EventRecorder } from "./events.ts";
import { buildPodStatus, type ContainerView } from "./pod-status.ts";
import type { RuntimeCache, RuntimeSnapshot } from "./runtime-cache.ts";

export type WorkerContext = {
  driver: RuntimeDriver;
  /** What the runtime runs; the worker records there what it makes and removes. */
  cache: RuntimeCache;
  nodeName: string;
  agentDir: string;
  hostIP: string;
  lookup: ObjectLookup;
  events: EventRecorder;
  backoff: Backoff;
  /** Write the pod's status; false when the server could not be reached. */
  writeStatus: (pod: Pod, status: unknown) => Promise<boolean>;
  /** Confirm a graceful deletion to the server (delete with grace 0). */
  confirmDeletion: (pod: Pod) => Promise<void>;
  /** Ask for another sync of this pod soon. */
  wake: (uid: string, afterMs?: number) => void;
  onProbe?: (kind: ProbeKind, ok: boolean, seconds: number) => void;
  /** Service account tokens of projected volumes. */
  tokens?: ProjectedTokens;
  /** The `kubernetes` Service's variables every container gets (KUBERNETES_SERVICE_HOST…). */
  serviceEnv?: Record<string, string>;
  /** resolv.conf settings for ClusterFirst pods, when this node serves cluster DNS. */
  clusterDns?: (namespace: string) => { nameservers: string[]; searches: string[]; options: string[] };
};

/** A container's lifecycle state this worker tracks between syncs. */
type Waiting = { reason: string; message?: string };

export class PodWorker {
  private readonly probes = new Map<string, ProbeState>();
  private readonly waiting = new Map<string, Waiting>();
  private lastStatus = "";
  private startTime?: string;
  busy = false;
  tornDown = false;

  constructor(
    private readonly ctx: WorkerContext,
    readonly uid: string,
  ) {}

  async sync(pod: Pod | undefined, snap: RuntimeSnapshot): Promise<void> {
    const mine = snap.containers.filter((c) => c.podUid === this.uid);
    const sandbox = snap.sandboxes.find((s) => s.podUid === this.uid);
    if (!pod) return this.teardown(mine, sandbox, 0, true);
    if (pod.metadata.deletionTimestamp) {
      await this.teardown(mine, sandbox, pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30, true, pod);
      await this.ctx.confirmDeletion(pod);
      return;
    }
    this.startTime ??= pod.status?.startTime ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      // Finished pods keep their containers (for logs) but never run again. When the runtime
      // has none left, the last report (exit codes included) stands.
      return mine.length ? this.report(pod, mine, sandbox) : undefined;
    }
    let volumes: Map<string, string>;
    try {
      volumes = syncVolumes(this.ctx.agentDir, pod, this.ctx.lookup, this.ctx.tokens);
    } catch (e) {
      // A volume still waiting for its token leaves the pod creating, as the kubelet's mount wait does.
      const notReady = e instanceof VolumeNotReady;
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) this.waiting.set(c.name, notReady ? { reason: "ContainerCreating" } : { reason: "CreateContainerConfigError", message: (e as Error).message });
      this.ctx.wake(this.uid, notReady ? 1000 : 2000);
      return this.report(pod, mine, sandbox);
    }
    this.sb = sandbox;
    if (!sandbox || sandbox.state === "notready") {
      try {
        const dnsPolicy = pod.spec.dnsPolicy ?? "ClusterFirst";
        const dns = this.ctx.clusterDns && dnsPolicy === "ClusterFirst" ? this.ctx.clusterDns(pod.metadata.namespace!) : undefined;
        // Left unstarted, the sandbox starts with the first container (one podman call less),
        // unless a container's environment needs the pod IP before it is made.
        const start = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some(readsPodIP);
        const spec = { podUid: this.uid, podName: pod.metadata.name!, namespace: pod.metadata.namespace!, hostname: pod.spec.hostname ?? pod.metadata.name, labels: { [LABEL_NODE]: this.ctx.nodeName }, dns };
        this.sb = await this.ctx.driver.ensureSandbox(spec, { known: snap.sandboxes.filter((s) => s.podUid === this.uid), start, addressesInUse: snap.sandboxes.map((s) => s.ip) });
        this.ctx.cache.putSandbox(this.sb);
      } catch (e) {
        await this.ctx.cache.settlePod(this.uid);
        for (const c of pod.spec.containers) this.waiting.set(c.name, { reason: "CreatePodSandboxError", message: (e as Error).message });
        void this.ctx.events.record(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${(e as Error).message}`);
        this.ctx.wake(this.uid, 5000);
        return this.report(pod, mine, sandbox);
      }
    }
    const initDone = await this.syncInitContainers(pod, mine, volumes);
    if (initDone) {
      for (const c of pod.spec.containers) await this.syncContainer(pod, c, latest(mine, c.name), volumes, false);
    }
    // Ephemeral containers (kubectl debug) start once and are never restarted.
    for (const c of pod.spec.ephemeralContainers ?? []) {
      if (latest(mine, c.name) || this.ctx.cache.containersOf(this.uid).some((i) => i.name === c.name)) continue;
      const target = c.targetContainerName ? latest(this.ctx.cache.containersOf(this.uid), c.targetContainerName) : undefined;
      await this.startContainer(pod, c, 0, volumes, `${this.uid}/${c.name}`, target?.state === "running" ? target.id : undefined);
    }
    await this.runProbes(pod, this.sb!, mine);
    await this.pruneOldInstances(mine);
    // The cache holds what this pass made: reporting needs no podman call.
    const sb = this.ctx.cache.sandboxesOf(this.uid).find((s) => s.state === "ready") ?? this.sb;
    return this.report(pod, this.ctx.cache.containersOf(this.uid), sb);
  }

  /** The pod's sandbox during a pass, updated as containers start in it. */
  private sb?: SandboxInfo;

  /** Init containers run one at a time, in order; true once all have succeeded. */
  private async syncInitContainers(pod: Pod, mine: ContainerInfo[], volumes: Map<string, string>): Promise<boolean> {
    for (const c of pod.spec.initContainers ?? []) {
      const inst = latest(mine, c.name);
      if (inst?.state === "exited" && inst.exitCode === 0) continue;
      if (inst?.state === "running") return false;
      await this.syncContainer(pod, c, inst, volumes, true);
      return false;
    }
    return true;
  }

  private async syncContainer(pod: Pod, c: any, inst: ContainerInfo | undefined, volumes: Map<string, string>, isInit: boolean) {
    const key = `${this.uid}/${c.name}`;
    const now = Date.now();
    if (inst?.state === "running") {
      this.waiting.delete(c.name);
      return;
    }
    if (inst && (inst.state === "exited" || inst.state === "unknown")) {
      const policy = pod.spec.restartPolicy ?? "Always";
      const failed = inst.exitCode !== 0;
      const restart = isInit ? failed && policy !== "Never" : policy === "Always" || (policy === "OnFailure" && failed);
      if (!restart) return;
      const wait = this.ctx.backoff.remaining(key, now);
      if (wait > 0) {
        this.waiting.set(c.name, { reason: "CrashLoopBackOff", message: `back-off ${Math.round(this.ctx.backoff.current(key) / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${this.uid})` });
        if (!this.waitedBefore(key, now)) void this.ctx.events.record(pod, "Warning", "BackOff", "Back-off restarting failed container", `spec.containers{${c.name}}`);
        this.ctx.wake(this.uid, wait + 50);
        return;
      }
      this.ctx.backoff.next(key, now);
    } else if (inst?.state === "created") {
      // Made but never started (the agent stopped in between): start it.
      try {
        await this.ctx.driver.startContainer(inst.id);
        this.waiting.delete(c.name);
      } catch (e) {
        this.waiting.set(c.name, { reason: "RunContainerError", message: (e as Error).message });
      }
      await this.refresh();
      return;
    }
    const attempt = inst ? inst.attempt + 1 : 0;
    await this.startContainer(pod, c, attempt, volumes, key);
  }

  /** After an action whose outcome is not known in full, the pod's containers as the runtime lists them. */
  private refresh() {
    return this.ctx.cache.settlePod(this.uid);
  }

  private lastBackoffEvent = new Map<string, number>();
  private waitedBefore(key: string, now: number): boolean {
    const last = this.lastBackoffEvent.get(key) ?? 0;
    this.lastBackoffEvent.set(key, now);
    return now - last < 30_000;
  }

  private async startContainer(pod: Pod, c: any, attempt: number, volumes: Map<string, string>, key: string, pidNamespaceOf?: string) {
    const sb = this.sb!;
    const ephemeral = (pod.spec.ephemeralContainers ?? []).some((e: { name: string }) => e.name === c.name);
    const field = `spec.${ephemeral ? "ephemeralContainers" : "containers"}{${c.name}}`;
    const policy = c.imagePullPolicy ?? "IfNotPresent";
    try {
      let present = await this.ctx.driver.imageExists(c.image);
      // A runtime that can pull does so for a missing image unless the policy is Never.
      let pullError: string | undefined;
      if (!present && policy !== "Never" && this.ctx.driver.pullImage) {
        pullError = await this.ctx.driver.pullImage(c.image).then(() => undefined, (e: Error) => e.message);
        present = !pullError && (await this.ctx.driver.imageExists(c.image));
      }
      if (!present) {
        const never = policy === "Never";
        const prior = this.waiting.get(c.name)?.reason;
        const reason = never ? "ErrImageNeverPull" : prior === "ErrImagePull" || prior === "ImagePullBackOff" ? "ImagePullBackOff" : "ErrImagePull";
        const message = never
          ? `Container image "${c.image}" is not present with pull policy of Never`
          : pullError
            ? `failed to pull image "${c.image}": ${pullError}; load it with "skiff images import"`
            : `image "${c.image}" is not present on this node and no registry is reachable: load it with "skiff images import"`;
        if (prior !== reason) void this.ctx.events.record(pod, "Warning", never ? "ErrImageNeverPull" : "Failed", message, field);
        this.waiting.set(c.name, { reason, message: reason === "ImagePullBackOff" ? `Back-off pulling image "${c.image}"` : message });
        this.ctx.wake(this.uid, 5000);
        return;
      }
      const env = containerEnv(pod, c, this.ctx.lookup, sb.ip, this.ctx.serviceEnv);
      const mounts = containerMounts(c, volumes, pod);
      const limits = c.resources?.limits ?? {};
      const requests = c.resources?.requests ?? {};
      this.waiting.set(c.name, { reason: "ContainerCreating" });
      const made = await this.ctx.driver.runContainer(sb, {
        name: c.name,
        image: c.image,
        command: c.command,
        args: c.args,
        env,
        workingDir: c.workingDir,
        mounts,
        memoryLimitBytes: limits.memory !== undefined ? parseQuantity(limits.memory) : undefined,
        cpuLimitMillis: limits.cpu !== undefined ? Math.round(parseQuantity(limits.cpu) * 1000) : undefined,
        cpuRequestMillis: requests.cpu !== undefined ? Math.round(parseQuantity(requests.cpu) * 1000) : undefined,
        labels: { [LABEL_NODE]: this.ctx.nodeName, [LABEL_POD_NAME]: pod.metadata.name!, [LABEL_POD_NAMESPACE]: pod.metadata.namespace! },
        attempt,
        tty: !!c.tty,
        stdin: !!c.stdin,
        user: runAsUser(pod, c),
        pidNamespaceOf,
      });
      this.ctx.cache.putContainer(made.container);
      this.ctx.cache.putSandbox(made.sandbox);
      this.sb = made.sandbox;
      this.waiting.delete(c.name);
      // Events are best effort and in order; the status does not wait for them.
      void (async () => {
        if (attempt === 0) await this.ctx.events.record(pod, "Normal", "Pulled", `Container image "${c.image}" already present on machine`, field);
        await this.ctx.events.record(pod, "Normal", "Created", `Created container ${c.name}`, field);
        await this.ctx.events.record(pod, "Normal", "Started", `Started container ${c.name}`, field);
      })();
    } catch (e) {
      // A failed run may still have left a container behind: look before the next pass.
      if (!(e instanceof ContainerConfigError)) await this.refresh();
      const reason = e instanceof ContainerConfigError ? "CreateContainerConfigError" : e instanceof RuntimeError && e.code === "ImageNotFound" ? "ErrImagePull" : "CreateContainerError";
      this.waiting.set(c.name, { reason, message: (e as Error).message });
      void this.ctx.events.record(pod, "Warning", "Failed", `Error: ${(e as Error).message}`, field);
      this.ctx.backoff.next(key, Date.now());
      this.ctx.wake(this.uid, 2000);
    }
  }

  /**
   * Starts the probes that are due. One wake-up is asked for when the next idle probe falls
   * due; a probe that runs asks for its own when it finishes (at once if it failed or
   * flipped, else one period on).
   */
  private async runProbes(pod: Pod, sb: SandboxInfo, mine: ContainerInfo[]) {
    const now = Date.now();
    let nextDue = Infinity;
    for (const c of pod.spec.containers) {
      const inst = latest(mine, c.name);
      if (!inst || inst.state !== "running") continue;
      const started = inst.startedAt ? Date.parse(inst.startedAt) : now;
      const namedPorts = new Map<string, number>((c.ports ?? []).filter((p: any) => p.name).map((p: any) => [p.name, p.containerPort]));
      const startup = this.probe(inst, "startup", c.startupProbe, started);
      for (const kind of ["startup", "liveness", "readiness"] as const) {
        const spec = c[`${kind}Probe`];
        if (!spec) continue;
        // Liveness and readiness wait for the startup probe to succeed once.
        if (kind !== "startup" && startup && startup.result !== "success") continue;
        if (kind === "startup" && startup!.result === "success") continue;
        const state = this.probe(inst, kind, spec, started)!;
        if (!state.due(now)) {
          if (!state.running) nextDue = Math.min(nextDue, state.dueAt());
          continue;
        }
        state.running = true;
        const t0 = performance.now();
        void runProbe(spec, { podIP: sb.ip, containerId: inst.id, namedPorts }, this.ctx.driver).then(async ([ok, message]) => {
          state.running = false;
          this.ctx.onProbe?.(kind, ok, (performance.now() - t0) / 1000);
          const flipped = state.record(ok, message, Date.now());
          if (!ok) await this.ctx.events.record(pod, "Warning", "Unhealthy", `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${message}`, `spec.containers{${c.name}}`);
          if (!ok && state.result === "failure" && (kind === "liveness" || (kind === "startup" && state.consecutiveFailures >= (spec.failureThreshold ?? 3)))) {
            await this.ctx.events.record(pod, "Normal", "Killing", `Container ${c.name} failed ${kind} probe, will be restarted`, `spec.containers{${c.name}}`);
            this.probes.delete(`${inst.id}/${kind}`);
            await this.ctx.driver.stopContainer(inst.id, pod.spec.terminationGracePeriodSeconds ?? 30).catch(() => {});
            await this.refresh();
          }
          this.ctx.wake(this.uid, flipped || !ok ? 0 : Math.max(0, state.dueAt() - Date.now()));
        });
      }
    }
    if (nextDue < Infinity) this.ctx.wake(this.uid, Math.max(0, nextDue - now));
  }

  private probe(inst: ContainerInfo, kind: ProbeKind, spec: any, started: number): ProbeState | undefined {
    if (!spec) return undefined;
    const key = `${inst.id}/${kind}`;
    let s = this.probes.get(key);
    if (!s) this.probes.set(key, (s = new ProbeState(kind, spec, started)));
    return s;
  }

  /** Keep the current and the previous instance of each container (for logs --previous). */
  private async pruneOldInstances(mine: ContainerInfo[]) {
    const byName = new Map<string, ContainerInfo[]>();
    for (const c of mine) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    for (const list of byName.values()) {
      list.sort((a, b) => b.attempt - a.attempt);
      for (const old of list.slice(2)) {
        if (old.state !== "running") await this.ctx.driver.removeContainer(old.id).then(() => this.ctx.cache.removeContainer(old), () => {});
        for (const k of this.probes.keys()) if (k.startsWith(`${old.id}/`)) this.probes.delete(k);
      }
    }
  }

  private async teardown(mine: ContainerInfo[], sandbox: SandboxInfo | undefined, graceSeconds: number, removeAll: boolean, pod?: Pod) {
    const running = mine.filter((c) => c.state === "running");
    // Events are best effort: the stop does not wait for the server to take them.
    if (pod) for (const c of running) void this.ctx.events.record(pod, "Normal", "Killing", `Stopping container ${c.name}`, `spec.containers{${c.name}}`);
    const driver = this.ctx.driver;
    if (removeAll && (mine.length || sandbox) && driver.stopAndRemoveSandbox) {
      // One runtime call for the whole pod where the driver has one (a burst of deletions is a burst of calls).
      await driver.stopAndRemoveSandbox(this.uid, graceSeconds).then(() => this.ctx.cache.forgetPod(this.uid), () => {});
    } else {
      await Promise.all(running.map((c) => driver.stopContainer(c.id, graceSeconds).catch(() => {})));
      if (removeAll && (mine.length || sandbox)) await driver.removeSandbox(this.uid).then(() => this.ctx.cache.forgetPod(this.uid), () => {});
      else if (running.length) await this.refresh();
    }
    if (removeAll) {
      removePodDir(this.ctx.agentDir, this.uid);
      this.ctx.tokens?.forget(this.uid);
    }
    this.ctx.backoff.forget(`${this.uid}/`);
    this.tornDown = true;
  }

  private async report(pod: Pod, mine: ContainerInfo[], sandbox: SandboxInfo | undefined) {
    const views = (list: any[] | undefined, isInit: boolean): ContainerView[] =>
      (list ?? []).map((c) => {
        const instances = mine.filter((i) => i.name === c.name).sort((a, b) => b.attempt - a.attempt);
        const current = instances[0];
        const readiness = current ? this.probes.get(`${current.id}/readiness`) : undefined;
        const startup = current ? this.probes.get(`${current.id}/startup`) : undefined;
        return {
          spec: c,
          isInit,
          current,
          previous: instances[1],
          waiting: this.waiting.get(c.name),
          ready: !!current && current.state === "running" && (!c.readinessProbe || readiness?.result === "success") && (!c.startupProbe || startup?.result === "success"),
          started: !!current && current.state === "running" && (!c.startupProbe || startup?.result === "success"),
        };
      });
    const status = buildPodStatus({
      pod,
      init: views(pod.spec.initContainers, true),
      containers: views(pod.spec.containers, false),
      // As the kubelet: an ephemeral container is never ready (it serves nothing).
      ephemeral: views(pod.spec.ephemeralContainers, false).map((v) => ({ ...v, ready: false })),
      podIP: sandbox?.ip,
      hostIP: this.ctx.hostIP,
      startTime: this.startTime!,
      runtime: this.ctx.driver.name,
    });
    const fingerprint = JSON.stringify(status);
    // Someone else may have changed the conditions (the server marks the pods of a node it
    // lost as not ready): report again when they differ from ours.
    const sameConditions = conditionsKey(pod.status?.conditions ?? []) === conditionsKey(status.conditions);
    if (fingerprint === this.lastStatus && pod.status?.phase === status.phase && sameConditions) return;
    if (await this.ctx.writeStatus(pod, status)) this.lastStatus = fingerprint;
    else this.ctx.wake(this.uid, 2000);
  }
}

function conditionsKey(conds: { type: string; status: string; reason?: string }[]): string {
  return conds.map((c) => `${c.type}=${c.status}:${c.reason ?? ""}`).sort().join(",");
}

function latest(list: ContainerInfo[], name: string): ContainerInfo | undefined {
  let best: ContainerInfo | undefined;
  for (const c of list) if (c.name === name && (!best || c.attempt > best.attempt)) best = c;
  return best;
}

/** runAsUser[:runAsGroup], the container's securityContext over the pod's, as the kubelet takes them. */
function runAsUser(pod: Pod, c: any): string | undefined {
  const uid = c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
  const gid = c.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup;
  return uid === undefined ? undefined : gid === undefined ? String(uid) : `${uid}:${gid}`;
}
