// The garbage collector: dependents follow their owners (ownerReferences by uid).
// Background: an owner gone → dependents with no other live owner are deleted.
// Foreground: an owner holding the foregroundDeletion finalizer waits until its
// dependents are gone, then loses the finalizer. Orphan: the owner's uid is removed from
// its dependents' ownerReferences, then the orphan finalizer.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import { resourceKey, type Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import { isNotFoundOrConflict } from "./shared/object-key.ts";

type Ref = { resource: string; namespace: string; name: string };
const refKey = (r: Ref) => `${r.resource}|${r.namespace}|${r.name}`;
const parseRef = (k: string): Ref => {
  const [resource, namespace, name] = k.split("|") as [string, string, string];
  return { resource, namespace, name };
};

export function garbageCollector(registry: Registry, informers: InformerFactory): Controller {
  // Kinds of CRDs come and go while serving: the map follows the registry's kinds.
  let byResource = new Map<string, KindDef>();
  let byResourceAt = -1;
  const kindOf = (resource: string) => {
    if (byResourceAt !== registry.kindsRevision) {
      byResource = new Map(registry.kinds.map((k) => [resourceKey(k), k] as const));
      byResourceAt = registry.kindsRevision;
    }
    return byResource.get(resource);
  };
  // owner uid → dependents' keys; the store has no such index of its own.
  const dependents = new Map<string, Set<string>>();

  const index = (key: string, obj: KubeObject | undefined, add: boolean) => {
    for (const r of obj?.metadata.ownerReferences ?? []) {
      let set = dependents.get(r.uid);
      if (add) {
        if (!set) dependents.set(r.uid, (set = new Set()));
        set.add(key);
      } else if (set) {
        set.delete(key);
        if (!set.size) dependents.delete(r.uid);
      }
    }
  };
  for (const k of registry.kinds) for (const o of registry.store.list(resourceKey(k))) index(refKey({ resource: resourceKey(k), namespace: o.metadata.namespace ?? "", name: o.metadata.name! }), o, true);

  const controller = new Controller({
    name: "garbage-collector",
    workers: 2,
    resyncMs: 60_000,
    allKeys: function* () {
      for (const k of registry.kinds) {
        for (const o of registry.store.list(resourceKey(k))) {
          if (o.metadata.ownerReferences?.length || o.metadata.deletionTimestamp) yield refKey({ resource: resourceKey(k), namespace: o.metadata.namespace ?? "", name: o.metadata.name! });
        }
      }
    },
    reconcile: async (key) => {
      const ref = parseRef(key);
      const kind = kindOf(ref.resource);
      const obj = kind && registry.tryGet(kind, ref.namespace, ref.name);
      if (!kind || !obj) return;
      const finalizers = obj.metadata.finalizers ?? [];
      if (obj.metadata.deletionTimestamp && finalizers.includes("orphan")) await orphanDependents(kind, obj);
      else if (obj.metadata.deletionTimestamp && finalizers.includes("foregroundDeletion")) {
        const r = await deleteDependentsFirst(kind, obj);
        if (r) return r;
      }
      await collectIfOwnersGone(kind, obj);
    },
  });

  /** A live owner: same uid at the referenced name (a recreated owner is another object). */
  function ownerExists(dependent: KubeObject, ref: { apiVersion: string; kind: string; name: string; uid: string }): boolean {
    const k = registry.kindOf(ref.apiVersion, ref.kind);
    if (!k) return true; // unknown kinds: never delete on a guess
    const owner = registry.tryGet(k, k.namespaced ? (dependent.metadata.namespace ?? "") : "", ref.name);
    return owner?.metadata.uid === ref.uid;
  }

  async function collectIfOwnersGone(kind: KindDef, obj: KubeObject) {
    const refs = obj.metadata.ownerReferences ?? [];
    if (!refs.length) return;
    const live = refs.filter((r) => ownerExists(obj, r));
    if (live.length === refs.length) return;
    try {
      if (live.length === 0) {
        if (obj.metadata.deletionTimestamp) return;
        // A dependent whose owner went in the foreground goes in the foreground too.
        await registry.delete(kind, obj.metadata.namespace ?? "", obj.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: obj.metadata.uid } });
      } else {
        await registry.replace(kind, obj.metadata.namespace ?? "", obj.metadata.name!, (cur) => {
          const o = cur!;
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => ownerExists(o, r));
          return o;
        });
      }
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  function dependentsOf(owner: KubeObject): { kind: KindDef; obj: KubeObject }[] {
    const out: { kind: KindDef; obj: KubeObject }[] = [];
    for (const k of dependents.get(owner.metadata.uid!) ?? []) {
      const ref = parseRef(k);
      const kind = kindOf(ref.resource);
      const obj = kind && registry.tryGet(kind, ref.namespace, ref.name);
      if (kind && obj) out.push({ kind, obj });
    }
    return out;
  }

  async function deleteDependentsFirst(kind: KindDef, owner: KubeObject) {
    const deps = dependentsOf(owner);
    for (const d of deps) {
      if (d.obj.metadata.deletionTimestamp) continue;
      try {
        await registry.delete(d.kind, d.obj.metadata.namespace ?? "", d.obj.metadata.name!, { propagationPolicy: "Foreground", preconditions: { uid: d.obj.metadata.uid } });
      } catch (e) {
        if (!isNotFoundOrConflict(e)) throw e;
      }
    }
    if (dependentsOf(owner).length) return { requeueAfterMs: 1000 };
    await removeFinalizer(kind, owner, "foregroundDeletion");
    return undefined;
  }

  async function orphanDependents(kind: KindDef, owner: KubeObject) {
    for (const d of dependentsOf(owner)) {
      try {
        await registry.replace(d.kind, d.obj.metadata.namespace ?? "", d.obj.metadata.name!, (cur) => {
          const o = cur!;
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
          if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
          return o;
        });
      } catch (e) {
        if (!isNotFoundOrConflict(e)) throw e;
      }
    }
    await removeFinalizer(kind, owner, "orphan");
  }

  async function removeFinalizer(kind: KindDef, owner: KubeObject, finalizer: string) {
    try {
      await registry.replace(kind, owner.metadata.namespace ?? "", owner.metadata.name!, (cur) => {
        const o = cur!;
        if (o.metadata.uid !== owner.metadata.uid) throw Object.assign(new Error("replaced"), { code: 409 });
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        return o;
      });
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  informers.onAnyChange((c) => {
    const key = refKey({ resource: c.resource, namespace: c.namespace, name: c.name });
    index(key, c.previous, false);
    if (c.type !== "DELETED") index(key, c.object, true);
    const obj = c.object;
    // An owner changed or went: look at its dependents; a dependent with references: look at it.
    if (c.type === "DELETED" || obj.metadata.deletionTimestamp) for (const d of dependents.get(obj.metadata.uid!) ?? []) controller.enqueue(d);
    if (c.type !== "DELETED" && (obj.metadata.deletionTimestamp || obj.metadata.ownerReferences?.length)) controller.enqueue(key);
    // A foreground owner waits for its last dependent.
    if (c.type === "DELETED") {
      for (const r of obj.metadata.ownerReferences ?? []) {
        const k = registry.kindOf(r.apiVersion, r.kind);
        if (!k) continue;
        const ownerNs = k.namespaced ? c.namespace : "";
        const owner = registry.tryGet(k, ownerNs, r.name);
        if (owner?.metadata.uid === r.uid && owner.metadata.deletionTimestamp) controller.enqueue(refKey({ resource: resourceKey(k), namespace: ownerNs, name: r.name }));
      }
    }
  });
  return controller;
}
