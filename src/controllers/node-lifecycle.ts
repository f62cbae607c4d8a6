// Node lifecycle: a node whose Lease stops being renewed turns Ready=Unknown and gets the
// unreachable taints; its pods turn not ready at once and are deleted after the eviction
// delay (or their toleration's seconds), unless most of the cluster is unreachable at
// once (then the fault is more likely ours than the nodes'). Cordoned nodes get the
// unschedulable taint.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import { staleConflict } from "../api/errors.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import type { RecordEvent } from "./events.ts";
import { isNotFoundOrConflict } from "./shared/object-key.ts";
import { awaitsEviction, isTaintManagerTarget, nodeNameOf, TAINT_MANAGER_REASON } from "./shared/pod-state.ts";
import { tolerates, tolerationsOf, type Taint } from "../scheduler/node-matching.ts";

export const UNREACHABLE = "node.kubernetes.io/unreachable";
export const UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
const POD_BY_NODE = "node-name";
const LEASE_NAMESPACE = "kube-node-lease";
/** Above this share of unreachable nodes, evictions stop (upstream's unhealthyZoneThreshold). */
const UNHEALTHY_THRESHOLD = 0.55;

export type NodeLifecycleOptions = { gracePeriodMs?: number; evictionTimeoutMs?: number; now?: () => number };

type Condition = { type: string; status: string; reason?: string; message?: string; lastHeartbeatTime?: string; lastTransitionTime?: string };

export function nodeLifecycleController(registry: Registry, informers: InformerFactory, kinds: { node: KindDef; pod: KindDef; lease?: KindDef }, recordEvent: RecordEvent, opts: NodeLifecycleOptions = {}): Controller {
  const grace = opts.gracePeriodMs ?? 15_000;
  const evictionDelay = opts.evictionTimeoutMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const nodes = informers.for(kinds.node);
  const pods = informers.for(kinds.pod);
  pods.addIndex(POD_BY_NODE, (p) => {
    const n = nodeNameOf(p);
    return n ? [n] : [];
  });
  const leases = kinds.lease ? informers.for(kinds.lease) : undefined;
  // When each node was last heard from, on our clock (a node's clock may be off).
  const lastSeen = new Map<string, number>();
  const started = now();
  // When we tainted each node, to the millisecond (taint timestamps have whole seconds).
  const taintedAt = new Map<string, number>();
  const heardFrom = (name: string) => lastSeen.get(name) ?? started;
  const isUnreachable = (name: string) => now() - heardFrom(name) > grace;

  // The share of unreachable nodes, judged at most twice a second: every unreachable node's
  // reconcile asks, and counting ten thousand nodes for each of a thousand would take seconds.
  let disruption = { at: -Infinity, disrupted: false };
  const clusterDisrupted = () => {
    if (now() - disruption.at >= 500) {
      const all = nodes.list();
      const down = all.filter((n) => isUnreachable(n.metadata.name!)).length;
      disruption = { at: now(), disrupted: all.length > 0 && down / all.length > UNHEALTHY_THRESHOLD };
    }
    return disruption.disrupted;
  };

  const controller = new Controller({
    name: "node-lifecycle",
    // Nodes are independent: when a thousand go silent at once, each is marked (and its pods
    // with it) without waiting for the others' writes.
    workers: 16,
    resyncMs: Math.max(1000, Math.floor(grace / 3)),
    allKeys: () => nodes.list().map((n) => n.metadata.name!),
    reconcile: async (name) => {
      const node = nodes.get("", name);
      if (!node) {
        lastSeen.delete(name);
        return;
      }
      if (isUnreachable(name)) return unreachable(node);
      await reachable(node);
      return { requeueAfterMs: heardFrom(name) + grace - now() + 50 };
    },
  });

  async function unreachable(node: KubeObject) {
    const name = node.metadata.name!;
    const ready = readyOf(node);
    if (ready?.status !== "Unknown" || !hasTaint(node, UNREACHABLE, "NoExecute")) {
      await updateNode(name, (n) => {
        const at = nowTimestamp(now());
        const conds = ((n.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).filter((c) => c.type !== "Ready");
        const prior = readyOf(n);
        conds.push({ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastHeartbeatTime: prior?.lastHeartbeatTime ?? at, lastTransitionTime: prior?.status === "Unknown" ? prior.lastTransitionTime : at });
        (n.status ??= {} as never);
        (n.status as { conditions?: Condition[] }).conditions = conds;
        return n;
      }, "status");
      await updateNode(name, (n) => {
        const taints = taintsOf(n).filter((t) => t.key !== UNREACHABLE);
        const at = nowTimestamp(now());
        const prior = taintsOf(n).find((t) => t.key === UNREACHABLE && t.effect === "NoExecute");
        taints.push({ key: UNREACHABLE, effect: "NoSchedule", timeAdded: at }, { key: UNREACHABLE, effect: "NoExecute", timeAdded: prior?.timeAdded ?? at });
        (n.spec ??= {} as never);
        (n.spec as { taints?: Taint[] }).taints = taints;
        return n;
      });
      if (ready?.status !== "Unknown") recordEvent(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
      if (!taintedAt.has(name)) taintedAt.set(name, now());
    }
    const current = nodes.get("", name) ?? node;
    const nodePods = pods.byIndex(POD_BY_NODE, name);
    const taint = taintsOf(current).find((t) => t.key === UNREACHABLE && t.effect === "NoExecute");
    const disrupted = clusterDisrupted();
    // Pods on an unreachable node stop being ready at once, so they leave endpoints. Those
    // due for eviction are also marked as disruption targets: their controllers replace
    // them now, while the objects themselves stay until the eviction delay is over.
    for (const p of nodePods) {
      const doomed = !disrupted && evictionDelayFor(p, taint ?? { key: UNREACHABLE, effect: "NoExecute" }) !== Infinity;
      if (isReady(p) || (doomed && !awaitsEviction(p))) await markPodLost(p, doomed);
    }
    // Evictions resume with the next pass once the disruption ends (the resync visits every node every grace/3 too).
    if (disrupted) return { requeueAfterMs: 5000 };

    const since = taintedAt.get(name) ?? (taint?.timeAdded ? Date.parse(taint.timeAdded) : now());
    let nextCheck: number | undefined;
    for (const p of nodePods) {
      const delay = evictionDelayFor(p, taint ?? { key: UNREACHABLE, effect: "NoExecute" });
      if (delay === Infinity) continue;
      const due = since + delay;
      if (due <= now()) await evict(p);
      else nextCheck = Math.min(nextCheck ?? Infinity, due - now());
    }
    return { requeueAfterMs: Math.max(50, Math.min(nextCheck ?? 1000, 1000)) };
  }

  /** The pod's own tolerationSeconds for the taint, the cluster's delay, or never (tolerated forever). */
  function evictionDelayFor(pod: KubeObject, taint: Taint): number {
    const matching = tolerationsOf(pod).filter((t) => tolerates(t, taint));
    if (!matching.length) return evictionDelay;
    const seconds = matching.map((t) => (t.tolerationSeconds === undefined ? Infinity : Math.max(0, t.tolerationSeconds)));
    return Math.min(...seconds) * 1000;
  }

  async function evict(p: KubeObject) {
    try {
      // No agent can confirm the stop: force the deletion so the pod's controller replaces it.
      await registry.delete(kinds.pod, p.metadata.namespace!, p.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  async function markPodLost(p: KubeObject, doomed: boolean) {
    await replacePodStatus(p, (conds) => {
      const at = nowTimestamp(now());
      const next = conds.map((c) => (c.type === "Ready" && c.status !== "False" ? { ...c, status: "False", lastTransitionTime: at } : c));
      if (doomed && !next.some(isTaintManagerTarget)) next.push({ type: "DisruptionTarget", status: "True", reason: TAINT_MANAGER_REASON, message: "Taint manager: deleting due to NoExecute taint", lastTransitionTime: at });
      return next;
    });
  }

  async function replacePodStatus(p: KubeObject, change: (conds: Condition[]) => Condition[]) {
    try {
      await registry.replace(kinds.pod, p.metadata.namespace!, p.metadata.name!, (cur) => {
        const pod = cur!;
        // A pod recreated under the same name is not the one we looked at.
        if (pod.metadata.uid !== p.metadata.uid) throw staleConflict({ ...kinds.pod, name: p.metadata.name! });
        (pod.status ??= {} as never);
        (pod.status as { conditions?: Condition[] }).conditions = change((pod.status as { conditions?: Condition[] }).conditions ?? []);
        return pod;
      }, {}, "status");
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  async function reachable(node: KubeObject) {
    const name = node.metadata.name!;
    taintedAt.delete(name);
    // Back before its pods were evicted: they are no longer on their way out.
    for (const p of pods.byIndex(POD_BY_NODE, name)) if (awaitsEviction(p)) await replacePodStatus(p, (conds) => conds.filter((c) => !isTaintManagerTarget(c)));
    const cordoned = !!(node.spec as { unschedulable?: boolean } | undefined)?.unschedulable;
    const wantTaints = taintsOf(node).filter((t) => t.key !== UNREACHABLE && (cordoned || t.key !== UNSCHEDULABLE));
    if (cordoned && !hasTaint(node, UNSCHEDULABLE, "NoSchedule")) wantTaints.push({ key: UNSCHEDULABLE, effect: "NoSchedule", timeAdded: nowTimestamp(now()) });
    if (JSON.stringify(wantTaints) !== JSON.stringify(taintsOf(node))) {
      await updateNode(name, (n) => {
        (n.spec ??= {} as never);
        if (wantTaints.length) (n.spec as { taints?: Taint[] }).taints = wantTaints;
        else delete (n.spec as { taints?: Taint[] }).taints;
        return n;
      });
    }
    // The lease is the heartbeat: a node we had marked unknown that renews again is ready.
    const ready = readyOf(node);
    if (ready?.status === "Unknown" && ready.reason === "NodeStatusUnknown") {
      await updateNode(name, (n) => {
        const at = nowTimestamp(now());
        const conds = ((n.status as { conditions?: Condition[] }).conditions ?? []).filter((c) => c.type !== "Ready");
        conds.push({ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: at, lastTransitionTime: at });
        (n.status as { conditions?: Condition[] }).conditions = conds;
        return n;
      }, "status");
      recordEvent(node, "Normal", "NodeReady", `Node ${name} status is now: NodeReady`);
    }
  }

  async function updateNode(name: string, change: (n: KubeObject) => KubeObject, sub?: "status") {
    try {
      await registry.replace(kinds.node, "", name, (cur) => change(cur!), {}, sub);
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  leases?.onChange((lease, prev) => {
    const l = lease ?? prev!;
    if (!lease || l.metadata.namespace !== LEASE_NAMESPACE) return;
    const renew = (lease.spec as { renewTime?: string } | undefined)?.renewTime;
    const before = (prev?.spec as { renewTime?: string } | undefined)?.renewTime;
    if (renew && renew !== before) {
      const wasDown = isUnreachable(l.metadata.name!);
      lastSeen.set(l.metadata.name!, now());
      if (wasDown) controller.enqueue(l.metadata.name!);
    }
  });
  nodes.onChange((node, prev) => {
    const n = node ?? prev!;
    if (node && !prev && !lastSeen.has(n.metadata.name!)) lastSeen.set(n.metadata.name!, now());
    controller.enqueue(n.metadata.name!);
  });
  return controller;
}

function readyOf(n: KubeObject): Condition | undefined {
  return ((n.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");
}
function taintsOf(n: KubeObject): Taint[] {
  return (n.spec as { taints?: Taint[] } | undefined)?.taints ?? [];
}
function hasTaint(n: KubeObject, key: string, effect: string): boolean {
  return taintsOf(n).some((t) => t.key === key && t.effect === effect);
}
function isReady(p: KubeObject): boolean {
  return ((p.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status !== "False");
}
