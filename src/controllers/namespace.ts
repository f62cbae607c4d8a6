// Namespace deletion: a terminating namespace has everything in it deleted; once it is
// empty its "kubernetes" finalizer is removed and it goes away.
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";

export function namespaceController(registry: Registry): Controller {
  const nsKind = registry.kinds.find((k) => k.kind === "Namespace")!;
  const controller = new Controller({
    name: "namespace",
    resyncMs: 30_000,
    allKeys: () => registry.list(nsKind, undefined, (o) => !!o.metadata.deletionTimestamp).items.map((o) => o.metadata.name!),
    async reconcile(name) {
      const ns = registry.tryGet(nsKind, "", name);
      if (!ns?.metadata.deletionTimestamp) return;
      // Read each time: kinds of CRDs come and go while serving.
      const namespaced = registry.kinds.filter((k) => k.namespaced);
      let remaining = 0;
      for (const kind of namespaced) {
        for (const o of registry.list(kind, name).items) {
          remaining++;
          if (o.metadata.deletionTimestamp && !(kind.kind === "Pod")) continue;
          try {
            await registry.delete(kind, name, o.metadata.name!, { propagationPolicy: "Background" });
          } catch (e) {
            if ((e as { code?: number }).code !== 404) throw e;
          }
        }
      }
      if (remaining > 0) {
        // Re-check soon: pods may take their grace period to go.
        const left = namespaced.reduce((n, k) => n + registry.list(k, name).items.length, 0);
        if (left > 0) return { requeueAfterMs: 1000 };
      }
      await registry.replace(nsKind, "", name, (cur) => {
        const next = cur!;
        (next.spec as { finalizers?: string[] }).finalizers = [];
        return next;
      });
      if (registry.tryGet(nsKind, "", name)) await registry.delete(nsKind, "", name);
    },
  });
  registry.subscribe((c) => {
    if (c.resource === "namespaces" && c.type !== "DELETED" && c.object.metadata.deletionTimestamp) controller.enqueue(c.name);
    // The last object leaving a terminating namespace lets it finish at once.
    else if (c.type === "DELETED" && c.namespace && registry.tryGet(nsKind, "", c.namespace)?.metadata.deletionTimestamp) controller.enqueue(c.namespace);
  });
  return controller;
}
