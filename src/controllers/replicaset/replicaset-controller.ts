// The ReplicaSet controller: keeps spec.replicas active pods that match the selector,
// adopting matching orphans and releasing pods whose labels stopped matching.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { labelSelectorMatcher, type LabelSelectorObject } from "../../api/selectors/index.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { controllerRefOf, newControllerRef } from "../shared/owner-refs.ts";
import { adoptOrphan } from "../shared/adopt.ts";
import { isPodActive } from "../shared/pod-state.ts";
import { isNotFoundOrConflict, objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { podsToDelete } from "./pod-deletion-order.ts";
import { replicaSetStatus } from "./replicaset-status.ts";

export const POD_BY_CONTROLLER = "controller-uid";
export const ORPHAN_POD_BY_NAMESPACE = "orphan-namespace";

/** Pods created or deleted in one sync at most (upstream's BurstReplicas): a huge scale proceeds in steps the server can absorb. */
export const BURST_REPLICAS = 500;

type RSSpec = { replicas?: number; selector?: LabelSelectorObject; template?: { metadata?: KubeObject["metadata"]; spec?: unknown } };

/** Index pods by controller uid, and orphans by namespace: reconciles never scan all pods. */
export function indexPods(informers: InformerFactory, podKind: KindDef) {
  const pods = informers.for(podKind);
  pods.addIndex(POD_BY_CONTROLLER, (p) => {
    const ref = controllerRefOf(p);
    return ref ? [ref.uid] : [];
  });
  pods.addIndex(ORPHAN_POD_BY_NAMESPACE, (p) => (controllerRefOf(p) ? [] : [p.metadata.namespace ?? ""]));
  return pods;
}

export function replicaSetController(registry: Registry, informers: InformerFactory, kinds: { pod: KindDef; replicaSet: KindDef }, recordEvent: RecordEvent): Controller {
  const pods = indexPods(informers, kinds.pod);
  const sets = informers.for(kinds.replicaSet);

  const controller = new Controller({
    name: "replicaset",
    workers: 4,
    resyncMs: 30_000,
    allKeys: () => sets.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const rs = sets.get(namespace, name);
      if (!rs) return;
      return reconcileReplicaSet(rs);
    },
  });

  async function reconcileReplicaSet(rs: KubeObject) {
    const spec = rs.spec as RSSpec;
    const ns = rs.metadata.namespace!;
    const matches = labelSelectorMatcher(spec.selector);
    const hasSelector = !!spec.selector && (Object.keys(spec.selector.matchLabels ?? {}).length > 0 || (spec.selector.matchExpressions?.length ?? 0) > 0);

    // Claim: keep owned pods that still match, release the rest, adopt matching orphans.
    const owned: KubeObject[] = [];
    for (const p of pods.byIndex(POD_BY_CONTROLLER, rs.metadata.uid!)) {
      if (hasSelector && matches(p.metadata.labels ?? {})) owned.push(p);
      else if (!p.metadata.deletionTimestamp) await release(p, rs);
    }
    if (!rs.metadata.deletionTimestamp && hasSelector) {
      for (const p of pods.byIndex(ORPHAN_POD_BY_NAMESPACE, ns)) {
        if (p.metadata.deletionTimestamp || !isPodActive(p) || !matches(p.metadata.labels ?? {})) continue;
        const adopted = await adoptOrphan(registry, kinds.pod, p, kinds.replicaSet, rs);
        if (adopted) owned.push(adopted);
      }
    }
    const active = owned.filter(isPodActive);

    let more = false;
    if (!rs.metadata.deletionTimestamp) {
      const want = Math.max(0, spec.replicas ?? 1);
      const diff = active.length - want;
      more = Math.abs(diff) > BURST_REPLICAS;
      if (diff < 0) await createPods(rs, Math.min(-diff, BURST_REPLICAS));
      else if (diff > 0) await deletePods(rs, podsToDelete(active, Math.min(diff, BURST_REPLICAS)));
    }

    const now = Date.now();
    const current = pods.byIndex(POD_BY_CONTROLLER, rs.metadata.uid!).filter((p) => isPodActive(p) && matches(p.metadata.labels ?? {}));
    const { status, recheckInMs } = replicaSetStatus(rs, current, now);
    await writeStatus(rs, status);
    if (more) return { requeueAfterMs: 0 }; // the next burst
    return recheckInMs !== undefined ? { requeueAfterMs: recheckInMs } : undefined;
  }

  async function release(pod: KubeObject, rs: KubeObject) {
    try {
      await registry.replace(kinds.pod, pod.metadata.namespace!, pod.metadata.name!, (cur) => {
        const p = cur!;
        p.metadata.ownerReferences = (p.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
        if (!p.metadata.ownerReferences.length) delete p.metadata.ownerReferences;
        return p;
      });
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  async function createPods(rs: KubeObject, count: number) {
    const spec = rs.spec as RSSpec;
    const t = spec.template ?? {};
    const body = () => ({
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ownerReferences: [newControllerRef(kinds.replicaSet, rs)],
      },
      spec: structuredClone(t.spec ?? {}),
    });
    // Slow start as upstream: batches of 1, 2, 4… so a pod that cannot be created fails once, not N times.
    let remaining = count;
    let batch = 1;
    while (remaining > 0) {
      const n = Math.min(batch, remaining);
      const results = await Promise.allSettled(Array.from({ length: n }, () => registry.create(kinds.pod, rs.metadata.namespace!, body())));
      for (const r of results) {
        if (r.status === "fulfilled") recordEvent(rs, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
      }
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
      if (failed) {
        recordEvent(rs, "Warning", "FailedCreate", `Error creating: ${(failed.reason as Error).message}`);
        throw failed.reason;
      }
      remaining -= n;
      batch = Math.min(batch * 2, 500);
    }
  }

  async function deletePods(rs: KubeObject, victims: KubeObject[]) {
    await Promise.all(
      victims.map(async (p) => {
        try {
          await registry.delete(kinds.pod, p.metadata.namespace!, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
          recordEvent(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          if (!isNotFoundOrConflict(e)) throw e;
        }
      }),
    );
  }

  function writeStatus(rs: KubeObject, status: object) {
    return writeStatusIfChanged(registry, kinds.replicaSet, sets.get(rs.metadata.namespace!, rs.metadata.name!), rs, status);
  }


  // Event handlers: a pod change wakes its owner, or (an orphan) every set that selects it.
  sets.onChange((rs, prev) => {
    const o = rs ?? prev!;
    controller.enqueue(objectKey(o));
  });
  pods.onChange((pod, prev) => {
    for (const p of [pod, prev]) {
      if (!p) continue;
      const ref = controllerRefOf(p);
      if (ref) {
        if (ref.kind === "ReplicaSet") controller.enqueue(`${p.metadata.namespace}/${ref.name}`);
        continue;
      }
      if (!pod || p !== pod) continue;
      for (const rs of sets.list(p.metadata.namespace)) {
        const sel = (rs.spec as RSSpec).selector;
        if (sel && labelSelectorMatcher(sel)(p.metadata.labels ?? {})) controller.enqueue(objectKey(rs));
      }
    }
  });
  return controller;
}
