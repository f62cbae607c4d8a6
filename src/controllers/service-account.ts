// Every namespace has a `default` ServiceAccount (upstream's serviceaccount-controller): made
// when the namespace appears and again when deleted. The same shape, one object of a fixed
// name per namespace, serves the root CA publisher.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";

export type NamespaceObjectSpec = {
  name: string;
  kind: KindDef;
  /** The object's name in each namespace. */
  objectName: string;
  /** The object as it should be made (metadata.name and namespace are filled in). */
  desired: () => KubeObject;
  /** When the stored object differs from what it should be, the object to write over it; undefined when it is right. */
  repair?: (current: KubeObject) => KubeObject | undefined;
};

/** Keeps one object of a fixed name in every active namespace. */
export function namespaceObjectController(registry: Registry, informers: InformerFactory, namespaceKind: KindDef, spec: NamespaceObjectSpec): Controller {
  const namespaces = informers.for(namespaceKind);
  const objects = informers.for(spec.kind);
  const controller = new Controller({
    name: spec.name,
    workers: 1,
    resyncMs: 5 * 60_000,
    allKeys: () => namespaces.list().map((n) => n.metadata.name!),
    reconcile: async (ns) => {
      const namespace = namespaces.get("", ns);
      if (!namespace || namespace.metadata.deletionTimestamp) return;
      const current = objects.get(ns, spec.objectName);
      try {
        if (!current) {
          const obj = spec.desired();
          await registry.create(spec.kind, ns, { ...obj, metadata: { ...obj.metadata, name: spec.objectName, namespace: ns } });
          return;
        }
        const fixed = spec.repair?.(current);
        if (fixed) await registry.update(spec.kind, ns, spec.objectName, fixed);
      } catch (e) {
        // Made meanwhile (409), the namespace began terminating (403) or went (404): a later change enqueues it again.
        const code = (e as { code?: number }).code;
        if (code === 409 || code === 403 || code === 404) return;
        throw e;
      }
    },
  });
  namespaces.onChange((n) => n && controller.enqueue(n.metadata.name!));
  objects.onChange((o, prev) => {
    const obj = o ?? prev;
    if (obj?.metadata.name === spec.objectName) controller.enqueue(obj.metadata.namespace!);
  });
  return controller;
}

export function serviceAccountController(registry: Registry, informers: InformerFactory, kinds: { namespace: KindDef; serviceAccount: KindDef }): Controller {
  return namespaceObjectController(registry, informers, kinds.namespace, {
    name: "serviceaccount",
    kind: kinds.serviceAccount,
    objectName: "default",
    desired: () => ({ metadata: { name: "default" } }),
  });
}
