// The disruption controller: keeps each PodDisruptionBudget's status (expected, desired and
// current healthy pods, disruptions allowed, observedGeneration, the DisruptionAllowed
// condition) as the pods it covers and their controllers' scales change. The eviction API
// reads that status and decrements it for each pod it deletes.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import { resourceKey, type Registry } from "../../api/registry/registry.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import type { RecordEvent } from "../events.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import { objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { computeBudget, podsOfBudget } from "./budget.ts";

export function disruptionController(registry: Registry, informers: InformerFactory, kinds: { pod: KindDef; pdb: KindDef }, record: RecordEvent): Controller {
  const budgets = informers.for(kinds.pdb);
  const pods = informers.for(kinds.pod);
  const noPodsReported = new Set<string>();

  const controller = new Controller({
    name: "disruption",
    workers: 1,
    resyncMs: 30_000,
    allKeys: () => budgets.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const pdb = budgets.get(namespace, name);
      if (!pdb) {
        noPodsReported.delete(key);
        return;
      }
      const namespacePods = pods.list(namespace);
      if (podsOfBudget(namespacePods, pdb).length === 0) {
        if (!noPodsReported.has(key)) record(pdb, "Normal", "NoPods", "No matching pods found");
        noPodsReported.add(key);
      } else noPodsReported.delete(key);
      const { status, recheckMs } = computeBudget(registry, pdb, namespacePods, Date.now(), nowTimestamp());
      await writeStatusIfChanged(registry, kinds.pdb, budgets.get(namespace, name), pdb, status);
      return recheckMs !== undefined ? { requeueAfterMs: recheckMs + 100 } : undefined;
    },
  });

  const wakeBudgetsOf = (pod: KubeObject | undefined) => {
    if (!pod) return;
    for (const pdb of budgets.list(pod.metadata.namespace)) if (podsOfBudget([pod], pdb).length) controller.enqueue(objectKey(pdb));
  };
  budgets.onChange((b, prev) => controller.enqueue(objectKey(b ?? prev!)));
  pods.onChange((p, prev) => {
    wakeBudgetsOf(p);
    wakeBudgetsOf(prev);
  });
  // A controller's scale counts for percentages and maxUnavailable: any change of a scalable
  // kind wakes the budgets of its namespace.
  // (Kinds may be added while the server runs: the set is rebuilt when their count changes.)
  let kindCount = -1;
  let scalable = new Set<string>();
  const unsubscribe = registry.subscribe((change) => {
    if (!change.namespace) return;
    if (registry.kinds.length !== kindCount) {
      kindCount = registry.kinds.length;
      scalable = new Set(registry.kinds.filter((k) => k.subresources?.scale).map(resourceKey));
    }
    if (!scalable.has(change.resource)) return;
    for (const pdb of budgets.list(change.namespace)) controller.enqueue(objectKey(pdb));
  });
  const stop = controller.stop.bind(controller);
  controller.stop = async () => {
    unsubscribe();
    await stop();
  };
  return controller;
}
