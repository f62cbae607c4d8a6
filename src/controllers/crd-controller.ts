// CustomResourceDefinition status and deletion: NamesAccepted and Established conditions
// with acceptedNames and storedVersions once the kind is served; on deletion, a
// Terminating condition, every object of the kind deleted, then the cleanup finalizer
// removed so the CRD goes.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import { CRD_CLEANUP_FINALIZER, customResourceDefinitionKind, type CrdCondition, type CustomResourceDefinition } from "../api/kinds/customresourcedefinition.ts";
import { resourceKey, type Registry } from "../api/registry/registry.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import { namesConflict } from "../api/crd/serve.ts";
import { kindFromCrd, storageVersionOf } from "../api/crd/kind-from-crd.ts";
import { Controller } from "./runtime/controller.ts";

const CRD_RESOURCE = resourceKey(customResourceDefinitionKind);

function setCondition(conditions: CrdCondition[], c: CrdCondition): CrdCondition[] {
  const old = conditions.find((x) => x.type === c.type);
  const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : nowTimestamp();
  const next = { type: c.type, status: c.status, lastTransitionTime, reason: c.reason, message: c.message };
  return old ? conditions.map((x) => (x.type === c.type ? next : x)) : [...conditions, next];
}

export function crdController(registry: Registry): Controller {
  const kind = customResourceDefinitionKind;
  const controller = new Controller({
    name: "customresourcedefinition",
    resyncMs: 30_000,
    allKeys: () => registry.list(kind, undefined).items.map((o) => o.metadata.name!),
    async reconcile(name) {
      const crd = registry.tryGet(kind, "", name) as CustomResourceDefinition | undefined;
      if (!crd) return;
      if (crd.metadata.deletionTimestamp) return cleanUp(crd);
      await writeStatus(crd);
    },
  });

  async function writeStatus(crd: CustomResourceDefinition) {
    const conflict = namesConflict(registry, crd);
    const storage = storageVersionOf(crd)?.name;
    await registry.replace(
      kind,
      "",
      crd.metadata.name!,
      (cur) => {
        const next = cur as CustomResourceDefinition;
        const status = (next.status ??= {});
        let conditions = status.conditions ?? [];
        if (conflict) {
          conditions = setCondition(conditions, { type: "NamesAccepted", status: "False", reason: "NameConflict", message: conflict });
          conditions = setCondition(conditions, { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" });
        } else {
          conditions = setCondition(conditions, { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" });
          conditions = setCondition(conditions, { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" });
          status.acceptedNames = { ...next.spec.names };
        }
        status.conditions = conditions;
        status.acceptedNames ??= { plural: "", kind: "" };
        // Every version objects were ever stored in stays listed (upstream's storedVersions).
        if (storage && !conflict) status.storedVersions = [...new Set([...(status.storedVersions ?? []), storage])];
        return next;
      },
      {},
      "status",
    );
  }

  async function cleanUp(crd: CustomResourceDefinition) {
    if (!crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) return;
    const name = crd.metadata.name!;
    const conditions = crd.status?.conditions ?? [];
    if (!conditions.some((c) => c.type === "Terminating" && c.status === "True")) {
      await registry.replace(
        kind,
        "",
        name,
        (cur) => {
          const next = cur as CustomResourceDefinition;
          const status = (next.status ??= {});
          status.conditions = setCondition(status.conditions ?? [], { type: "Terminating", status: "True", reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" });
          return next;
        },
        {},
        "status",
      );
    }
    // Served or not (names never accepted), its objects are found by the kind's storage key.
    const target: KindDef | undefined = storageVersionOf(crd) ? kindFromCrd(crd) : undefined;
    if (target) {
      const left = registry.store.list(resourceKey(target));
      for (const o of left) {
        if (o.metadata.deletionTimestamp) continue;
        try {
          await registry.delete(target, o.metadata.namespace ?? "", o.metadata.name!, { propagationPolicy: "Background" });
        } catch (e) {
          if ((e as { code?: number }).code !== 404) throw e;
        }
      }
      if (registry.store.list(resourceKey(target)).length) return { requeueAfterMs: 1000 };
    }
    await registry.replace(kind, "", name, (cur) => {
      const next = cur as KubeObject;
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      return next;
    });
  }

  registry.subscribe((c) => {
    if (c.resource === CRD_RESOURCE) {
      if (c.type !== "DELETED") controller.enqueue(c.name);
      // A CRD gone may free names another one waits for.
      else for (const o of registry.list(kind, undefined).items) controller.enqueue(o.metadata.name!);
      return;
    }
    // The last object of a terminating CRD's kind lets it finish at once.
    if (c.type === "DELETED" && c.resource.includes(".")) {
      for (const k of registry.kinds) {
        if (k.custom && resourceKey(k) === c.resource) {
          const crdName = `${k.plural}.${k.group}`;
          if (registry.tryGet(kind, "", crdName)?.metadata.deletionTimestamp) controller.enqueue(crdName);
        }
      }
    }
  });
  return controller;
}
