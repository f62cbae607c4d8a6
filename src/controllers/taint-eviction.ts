// NoExecute taints (upstream's taint-eviction controller): a pod on a node with a NoExecute taint
// it does not tolerate is deleted at once; one that tolerates it for tolerationSeconds is
// deleted when that time has passed since the taint was added. The unreachable and not-ready
// taints are left to the node lifecycle controller, which adds its own delay and
// disruption rules.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import type { RecordEvent } from "./events.ts";
import { isNotFoundOrConflict } from "./shared/object-key.ts";
import { nodeNameOf, podPhase } from "./shared/pod-state.ts";
import { taintsOf, tolerates, tolerationsOf, type Taint } from "../scheduler/node-matching.ts";

const POD_BY_NODE = "node-name";
const LIFECYCLE_TAINTS = new Set(["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"]);

/** How long the pod may stay under these taints: 0 when one is not tolerated, Infinity when all are forever. */
export function toleratedForMs(pod: KubeObject, taints: Taint[]): number {
  let ms = Infinity;
  for (const taint of taints) {
    const matching = tolerationsOf(pod).filter((t) => tolerates(t, taint));
    if (!matching.length) return 0;
    for (const t of matching) if (t.tolerationSeconds !== undefined) ms = Math.min(ms, Math.max(0, t.tolerationSeconds) * 1000);
  }
  return ms;
}

export function taintEvictionController(registry: Registry, informers: InformerFactory, kinds: { node: KindDef; pod: KindDef }, recordEvent: RecordEvent, now: () => number = Date.now): Controller {
  const nodes = informers.for(kinds.node);
  const pods = informers.for(kinds.pod);
  pods.addIndex(POD_BY_NODE, (p) => {
    const n = nodeNameOf(p);
    return n ? [n] : [];
  });
  // When each taint was first seen, for taints without timeAdded.
  const firstSeen = new Map<string, number>();
  const noExecute = (node: KubeObject) => taintsOf(node).filter((t) => t.effect === "NoExecute" && !LIFECYCLE_TAINTS.has(t.key));

  const controller = new Controller({
    name: "taint-eviction",
    resyncMs: 30_000,
    allKeys: () => nodes.list().filter((n) => noExecute(n).length).map((n) => n.metadata.name!),
    reconcile: async (name) => {
      const node = nodes.get("", name);
      const taints = node ? noExecute(node) : [];
      for (const k of firstSeen.keys()) if (k.startsWith(`${name}|`) && !taints.some((t) => `${name}|${t.key}|${t.value ?? ""}` === k)) firstSeen.delete(k);
      if (!taints.length) return;
      // The taints' age: the newest one counts (a toleration's clock starts when its taint appears).
      const since = Math.max(...taints.map((t) => {
        const k = `${name}|${t.key}|${t.value ?? ""}`;
        if (!firstSeen.has(k)) firstSeen.set(k, t.timeAdded ? Math.min(Date.parse(t.timeAdded) || now(), now()) : now());
        return firstSeen.get(k)!;
      }));
      let next = Infinity;
      for (const p of pods.byIndex(POD_BY_NODE, name)) {
        if (p.metadata.deletionTimestamp || podPhase(p) === "Succeeded" || podPhase(p) === "Failed") continue;
        const due = since + toleratedForMs(p, taints);
        if (due <= now()) await evict(p);
        else next = Math.min(next, due - now());
      }
      return next === Infinity ? undefined : { requeueAfterMs: Math.max(50, next) };
    },
  });

  async function evict(p: KubeObject) {
    recordEvent(p, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`);
    try {
      await registry.delete(kinds.pod, p.metadata.namespace!, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  nodes.onChange((node, prev) => controller.enqueue((node ?? prev!).metadata.name!));
  pods.onChange((pod, prev) => {
    const n = pod && nodeNameOf(pod);
    if (n && n !== (prev && nodeNameOf(prev))) {
      const node = nodes.get("", n);
      if (node && noExecute(node).length) controller.enqueue(n);
    }
  });
  return controller;
}
