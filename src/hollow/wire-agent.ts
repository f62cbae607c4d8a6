// One hollow agent over the wire (as kubemark's hollow kubelet): it holds its own node
// credential and speaks to the API server exactly as `skiff agent` does, through the same
// functions (registerNode, renewLease) and the same requests (a list + watch of the pods
// bound to it, status through a JSON patch of pods/status, a delete with a uid precondition
// to confirm a deletion), but runs no containers: a pod bound to it is reported Running and
// Ready at once, a run-to-completion pod Succeeded. It serves no agent port (no logs, exec
// or metrics), so its Node advertises none and the server never dials it.
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiClient, ApiRequestError, resources } from "../client/api-client.ts";
import { listWatchLoop } from "../client/list-watch-loop.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import { NODE_STATUS_REPORT_MS, registerNode, renewLease, type NodeRegistrationOptions } from "../agent/node-registration.ts";
import type { NodeFacts } from "../agent/node-info.ts";
import { KUBE_VERSION } from "../version.ts";
import type { RequestGate } from "./request-gate.ts";
import type { FleetStats } from "./fleet-stats.ts";

type Pod = KubeObject & { spec: { nodeName?: string; restartPolicy?: string; containers?: { name: string; image: string }[] }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };

export type WireAgentOptions = {
  nodeName: string;
  /** The node credential's bearer token. */
  token: string;
  server: string;
  caPem: string;
  leaseRenewSeconds: number;
  podsPerNode: number;
  gate: RequestGate;
  /** Lease renewals' own gate: a burst of pod status writes must not hold a heartbeat back (a kubelet's lease client is its own too). */
  leaseGate: RequestGate;
  stats: FleetStats;
};

/** Seconds a Lease may age before the server counts the node as missing (the default --node-monitor-grace-period). */
const GRACE_MS = 15_000;

export class WireAgent {
  private readonly client: ApiClient;
  private readonly reg: NodeRegistrationOptions;
  private readonly abort = new AbortController();
  private readonly timers: Timer[] = [];
  /** Pods reported Running (or finished), by uid: what this node "runs". */
  private readonly running = new Set<string>();
  /** Pods whose status write is in flight. */
  private readonly reporting = new Set<string>();
  /** The latest copy of each pod, for a status write tried again after a failure. */
  private readonly latest = new Map<string, Pod>();
  private lastLease = 0;
  private podCidr?: string;
  private nextIp = 2;

  constructor(private readonly opts: WireAgentOptions) {
    this.client = new ApiClient(opts.server, opts.token, opts.caPem);
    // agentPort 0: the Node advertises no kubelet endpoint, so nothing dials a hollow node.
    this.reg = { nodeName: opts.nodeName, labels: { "skiff.io/hollow-agent": "true" }, isServer: false, agentPort: 0, leaseDurationSeconds: 40 };
  }

  private facts(): NodeFacts {
    const capacity = { cpu: "4", memory: "16Gi", pods: String(this.opts.podsPerNode), "ephemeral-storage": "100Gi" };
    const nodeInfo = { machineID: this.opts.nodeName, systemUUID: this.opts.nodeName, bootID: "hollow", kernelVersion: "hollow", osImage: "hollow", containerRuntimeVersion: "hollow://0", kubeletVersion: KUBE_VERSION.gitVersion, kubeProxyVersion: KUBE_VERSION.gitVersion, operatingSystem: "linux", architecture: "amd64" };
    // Loopback: a hollow node's address must never lead traffic off this machine.
    return { capacity, nodeInfo, addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: this.opts.nodeName }] };
  }

  /** Registers the Node and takes the Lease; then renews it, re-registers and follows its pods until stop(). */
  async start(): Promise<void> {
    const node = await this.opts.gate.run("register", () => registerNode(this.client, this.facts(), this.reg));
    this.podCidr = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
    await this.heartbeat();
    const every = this.opts.leaseRenewSeconds * 1000;
    this.timers.push(setInterval(() => void this.heartbeat(), every));
    // Spread re-registrations as real agents that started at different times do.
    const offset = Math.random() * NODE_STATUS_REPORT_MS;
    this.timers.push(setTimeout(() => {
      this.timers.push(setInterval(() => void this.opts.gate.run("register", () => registerNode(this.client, this.facts(), this.reg)).catch(() => {}), NODE_STATUS_REPORT_MS));
    }, offset));
    void this.followPods();
  }

  stop(): void {
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
  }

  private async heartbeat() {
    if (this.abort.signal.aborted) return;
    const stats = this.opts.stats;
    try {
      await this.opts.leaseGate.run("lease", () => renewLease(this.client, this.reg));
      const now = Date.now();
      if (this.lastLease && now - this.lastLease > GRACE_MS) stats.leaseMisses++;
      this.lastLease = now;
      stats.leaseRenewals++;
    } catch (e) {
      stats.leaseFailures++;
      if (e instanceof ApiRequestError && e.code === 404) await this.opts.gate.run("register", () => registerNode(this.client, this.facts(), this.reg)).catch(() => {});
    }
  }

  /** List + watch of the pods bound to this node, as the real agent's pod source. */
  private followPods() {
    return listWatchLoop(this.abort.signal, () => this.listAndWatch(), { firstDelayMs: 500, maxDelayMs: 10_000, onError: () => this.opts.stats.watchErrors++ });
  }

  private async listAndWatch() {
    const selector = { fieldSelector: `spec.nodeName=${this.opts.nodeName}` };
    const list = await this.opts.gate.run("list", () => this.client.list<Pod>(resources.pods, undefined, selector));
    const seen = new Set<string>();
    for (const p of list.items) {
      seen.add(p.metadata.uid!);
      this.act(p);
    }
    for (const uid of this.running) if (!seen.has(uid)) this.forget(uid);
    this.opts.stats.watching++;
    try {
      for await (const ev of this.client.watch(resources.pods, undefined, { ...selector, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: "300" }, this.abort.signal)) {
        if (ev.type === "ERROR") throw new ApiRequestError(ev.object.code ?? 500, ev.object.reason ?? "Error", ev.object.message ?? "watch error");
        if (ev.type === "BOOKMARK") continue;
        if (ev.type === "DELETED") this.forget(ev.object.metadata.uid!);
        else this.act(ev.object as Pod);
      }
    } finally {
      this.opts.stats.watching--;
    }
  }

  private forget(uid: string) {
    this.latest.delete(uid);
    if (this.running.delete(uid)) this.opts.stats.podsRunning--;
  }

  /** What the real agent's pod worker ends with, without the containers in between. */
  private act(pod: Pod) {
    const uid = pod.metadata.uid!;
    this.latest.set(uid, pod);
    if (pod.metadata.deletionTimestamp) {
      void this.opts.gate.run("podDelete", () => this.client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } })).catch((e) => {
        if (e instanceof ApiRequestError && (e.code === 404 || e.code === 409)) return;
        this.opts.stats.requestErrors++;
        this.retryLater(uid);
      });
      return;
    }
    if (!this.running.has(uid)) {
      this.running.add(uid);
      this.opts.stats.podsRunning++;
    }
    // Reported again whenever the server's copy says otherwise (the node lifecycle controller
    // marks pods not ready while their node's Lease is late), as a kubelet's status sync does.
    if (reported(pod) || this.reporting.has(uid)) return;
    this.reporting.add(uid);
    const status = hollowPodStatus(pod, this.podIp(), nowTimestamp());
    void this.opts.gate
      .run("podStatus", () => this.client.patch(resources.pods, pod.metadata.namespace, pod.metadata.name!, [{ op: "add", path: "/status", value: status }], "json", "status"))
      .then(
        () => this.reporting.delete(uid),
        (e) => {
          this.reporting.delete(uid);
          if (e instanceof ApiRequestError && e.code === 404) return;
          this.opts.stats.requestErrors++;
          this.retryLater(uid);
        },
      );
  }

  /**
   * A failed status write or delete is tried again a few seconds later, as the real agent's
   * pod worker syncs again (a busy server's timeout would otherwise leave the pod unreported
   * until the watch re-lists).
   */
  private retryLater(uid: string) {
    const retry = setTimeout(() => {
      const current = this.latest.get(uid);
      if (current && !this.abort.signal.aborted) this.act(current);
    }, 2000 + Math.random() * 3000);
    this.timers.push(retry);
  }

  private podIp(): string {
    const n = this.nextIp++;
    const base = this.podCidr?.split("/")[0]?.split(".");
    // The node's own /24 when it has one, else a documentation range: never routed anywhere.
    return base?.length === 4 ? `${base[0]}.${base[1]}.${base[2]}.${2 + (n % 250)}` : `192.0.2.${2 + (n % 250)}`;
  }
}

/** Running and Ready, or finished: nothing left to report. */
function reported(pod: Pod): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return true;
  return phase === "Running" && !!pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
}

/** The status a kubelet reports for a pod whose containers all started (or, run to completion, all exited 0). */
export function hollowPodStatus(pod: Pod, ip: string, now: string) {
  const containers = pod.spec.containers ?? [];
  const finished = (pod.spec.restartPolicy ?? "Always") !== "Always";
  const condition = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: now, ...(finished && type !== "Initialized" && type !== "PodScheduled" ? { reason: "PodCompleted" } : {}) });
  return {
    phase: finished ? "Succeeded" : "Running",
    hostIP: "127.0.0.1",
    hostIPs: [{ ip: "127.0.0.1" }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    conditions: [condition("PodScheduled", "True"), condition("Initialized", "True"), condition("ContainersReady", finished ? "False" : "True"), condition("Ready", finished ? "False" : "True")],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: "",
      containerID: `hollow://${pod.metadata.uid}-${c.name}`,
      ready: !finished,
      started: !finished,
      restartCount: 0,
      lastState: {},
      state: finished ? { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now } } : { running: { startedAt: now } },
    })),
  };
}
