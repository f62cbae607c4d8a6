// Adopting an orphan: a workload takes a matching pod without a controller as its own
// (upstream's ControllerRefManager), unless it changed or gained a controller meanwhile.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { controllerRefOf, newControllerRef } from "./owner-refs.ts";
import { isNotFoundOrConflict } from "./object-key.ts";

export async function adoptOrphan(registry: Registry, kind: KindDef, obj: KubeObject, ownerKind: KindDef, owner: KubeObject): Promise<KubeObject | undefined> {
  try {
    const r = await registry.replace(kind, obj.metadata.namespace!, obj.metadata.name!, (cur) => {
      const o = cur!;
      if (controllerRefOf(o) || o.metadata.uid !== obj.metadata.uid) throw Object.assign(new Error("changed"), { code: 409 });
      o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), newControllerRef(ownerKind, owner)];
      return o;
    });
    return r.object;
  } catch (e) {
    if (isNotFoundOrConflict(e)) return undefined;
    throw e;
  }
}
