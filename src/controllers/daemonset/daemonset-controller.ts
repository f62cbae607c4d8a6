// The DaemonSet controller: one pod per node that should run the daemon, created pinned to
// its node (the scheduler binds it), replaced per the update strategy (RollingUpdate with
// maxUnavailable/maxSurge, or OnDelete), tracked by ControllerRevisions for rollout history
// and undo, with upstream's status counters.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { labelSelectorMatcher } from "../../api/selectors/index.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { BY_CONTROLLER, controllerRefOf, indexByController, newControllerRef } from "../shared/owner-refs.ts";
import { isNotFoundOrConflict, objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { podPhase } from "../shared/pod-state.ts";
import { daemonPod, nodeShouldRunDaemonPod, REVISION_HASH_LABEL, targetNodeOf, type DaemonSetSpec } from "./daemon-pods.ts";
import { planSync, type NodeState } from "./sync-plan.ts";
import { daemonSetStatus } from "./daemonset-status.ts";
import { templateHash } from "./revisions.ts";
import { revisionHash, revisionHistory } from "../shared/revision-history.ts";

/** Pods created in one sync at most; the rest follow in the next (upstream's burst). */
const BURST = 500;

export type DaemonSetKinds = { pod: KindDef; node: KindDef; daemonSet: KindDef; controllerRevision: KindDef };

export function daemonSetController(registry: Registry, informers: InformerFactory, kinds: DaemonSetKinds, recordEvent: RecordEvent, now: () => number = Date.now): Controller {
  const pods = informers.for(kinds.pod);
  const nodes = informers.for(kinds.node);
  const sets = informers.for(kinds.daemonSet);
  const revisions = informers.for(kinds.controllerRevision);
  indexByController(pods);
  indexByController(revisions);
  const history = revisionHistory(registry, { owner: kinds.daemonSet, controllerRevision: kinds.controllerRevision }, (uid) => revisions.byIndex(BY_CONTROLLER, uid));

  const controller = new Controller({
    name: "daemonset",
    workers: 2,
    resyncMs: 30_000,
    allKeys: () => sets.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const ds = sets.get(namespace, name);
      if (!ds || ds.metadata.deletionTimestamp) return;
      return sync(ds);
    },
  });

  async function sync(ds: KubeObject) {
    const spec = ds.spec as DaemonSetSpec;
    const matches = labelSelectorMatcher(spec.selector as never);
    const hash = revisionHash(await history.current(ds)) || templateHash(ds);
    const owned = pods.byIndex(BY_CONTROLLER, ds.metadata.uid!).filter((p) => matches(p.metadata.labels ?? {}) && !(p.metadata.deletionTimestamp && isTerminal(p)));
    const byNode = new Map<string, KubeObject[]>();
    for (const p of owned) {
      const n = targetNodeOf(p);
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const state = (): NodeState[] => {
      const out: NodeState[] = [];
      const known = new Set<string>();
      for (const node of nodes.list()) {
        const name = node.metadata.name!;
        known.add(name);
        out.push({ name, ...nodeShouldRunDaemonPod(ds, node), pods: byNode.get(name) ?? [] });
      }
      // Pods for nodes that are gone go too.
      for (const [name, ps] of byNode) if (!known.has(name)) out.push({ name, shouldRun: false, shouldContinueRunning: false, pods: ps });
      return out;
    };
    const plan = planSync(spec, state(), hash, now());
    const more = plan.createOn.length > BURST;
    await Promise.all(plan.remove.map((p) => deletePod(ds, p)));
    await createPods(ds, plan.createOn.slice(0, BURST), hash);

    const fresh = pods.byIndex(BY_CONTROLLER, ds.metadata.uid!).filter((p) => matches(p.metadata.labels ?? {}));
    byNode.clear();
    for (const p of fresh) {
      const n = targetNodeOf(p);
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const { status, recheckInMs } = daemonSetStatus(ds, state(), hash, now());
    await writeStatusIfChanged(registry, kinds.daemonSet, sets.get(ds.metadata.namespace!, ds.metadata.name!), ds, status);
    await history.prune(ds, hash, new Set(fresh.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL] ?? "")));
    if (more) return { requeueAfterMs: 0 };
    return recheckInMs !== undefined ? { requeueAfterMs: recheckInMs } : undefined;
  }

  async function createPods(ds: KubeObject, onNodes: string[], hash: string) {
    const ref = newControllerRef(kinds.daemonSet, ds);
    // Slow start as upstream: batches of 1, 2, 4… so a pod that cannot be created fails once, not N times.
    let i = 0;
    let batch = 1;
    while (i < onNodes.length) {
      const slice = onNodes.slice(i, i + batch);
      const results = await Promise.allSettled(slice.map((n) => registry.create(kinds.pod, ds.metadata.namespace!, daemonPod(ds, n, hash, ref))));
      for (const r of results) if (r.status === "fulfilled") recordEvent(ds, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
      if (failed) {
        recordEvent(ds, "Warning", "FailedCreate", `Error creating: ${(failed.reason as Error).message}`);
        throw failed.reason;
      }
      i += slice.length;
      batch = Math.min(batch * 2, BURST);
    }
  }

  async function deletePod(ds: KubeObject, p: KubeObject) {
    try {
      await registry.delete(kinds.pod, p.metadata.namespace!, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
      recordEvent(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  const enqueueAll = () => {
    for (const ds of sets.list()) controller.enqueue(objectKey(ds));
  };
  sets.onChange((ds, prev) => controller.enqueue(objectKey(ds ?? prev!)));
  pods.onChange((pod, prev) => {
    const ref = controllerRefOf(pod ?? prev!);
    if (ref?.kind === "DaemonSet") controller.enqueue(`${(pod ?? prev!).metadata.namespace}/${ref.name}`);
  });
  revisions.onChange((cr, prev) => {
    const ref = controllerRefOf(cr ?? prev!);
    if (ref?.kind === "DaemonSet" && !cr) controller.enqueue(`${prev!.metadata.namespace}/${ref.name}`);
  });
  // A node joining, leaving or changing labels or taints changes where daemons run.
  nodes.onChange((node, prev) => {
    if (!node || !prev || JSON.stringify([node.metadata.labels, node.spec]) !== JSON.stringify([prev.metadata.labels, prev.spec])) enqueueAll();
  });
  return controller;
}

function isTerminal(p: KubeObject): boolean {
  const phase = podPhase(p);
  return phase === "Succeeded" || phase === "Failed";
}
