// The quota controller: keeps each ResourceQuota's status.used equal to what its namespace
// holds, as objects come and go (a pod turning Succeeded or Failed gives its share back),
// and status.hard equal to spec.hard. Admission already charges each create; this catches
// deletions, terminal pods and anything written while no quota existed.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { formatQuantity, parseList, ZERO } from "../api/quantity.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import { objectKey, splitKey } from "./shared/object-key.ts";
import { writeStatusIfChanged } from "./shared/write-status.ts";
import { formatHard } from "../server/quota/admission.ts";
import { kindCounted, namespaceUsage } from "../server/quota/namespace-usage.ts";

export function resourceQuotaController(registry: Registry, informers: InformerFactory, quotaKind: KindDef): Controller {
  const quotas = informers.for(quotaKind);

  const controller = new Controller({
    name: "resourcequota",
    workers: 1,
    resyncMs: 30_000,
    allKeys: () => quotas.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const quota = quotas.get(namespace, name);
      if (!quota) return;
      const hardText = (quota.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {};
      const names = [...parseList(hardText).keys()].sort();
      const used = namespaceUsage(registry, namespace, new Set(names));
      const status = { hard: formatHard(hardText), used: Object.fromEntries(names.map((n) => [n, formatQuantity(used.get(n) ?? ZERO)])) };
      await writeStatusIfChanged(registry, quotaKind, quotas.get(namespace, name), quota, status);
    },
  });

  quotas.onChange((q, prev) => controller.enqueue(objectKey(q ?? prev!)));
  // Any change to an object a quota of its namespace counts wakes that quota.
  const counted = new WeakMap<KubeObject, Set<string>>();
  const unsubscribe = registry.subscribe((change) => {
    if (!change.namespace || change.resource === "resourcequotas" || change.resource === "events") return;
    for (const q of quotas.list(change.namespace)) {
      let resources = counted.get(q);
      if (!resources) counted.set(q, (resources = countedResources(registry, q)));
      if (resources.has(change.resource)) controller.enqueue(objectKey(q));
    }
  });
  const stop = controller.stop.bind(controller);
  controller.stop = async () => {
    unsubscribe();
    await stop();
  };
  return controller;
}

/** The store resources (e.g. "pods", "apps/deployments") whose objects a quota counts. */
function countedResources(registry: Registry, quota: KubeObject): Set<string> {
  const out = new Set<string>();
  for (const n of Object.keys((quota.spec as { hard?: object } | undefined)?.hard ?? {})) {
    const k = kindCounted(registry, n);
    if (k) out.add(k.group ? `${k.group}/${k.plural}` : k.plural);
  }
  return out;
}
