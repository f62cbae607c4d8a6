// ownerReferences: the controller reference a workload puts on what it creates.
import type { OwnerReference } from "kubernetes-types/meta/v1";
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import { apiVersionOf } from "../../api/kinds/kind.ts";

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(kind: KindDef, owner: KubeObject): OwnerReference {
  return {
    apiVersion: apiVersionOf(kind),
    kind: kind.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerRefOf(obj)?.uid === owner.metadata.uid;
}

/** The informer index of objects by their controller's uid (shared: every workload controller adds the same one). */
export const BY_CONTROLLER = "controller-uid";

export function indexByController(informer: { addIndex(name: string, fn: (o: KubeObject) => string[]): void }): void {
  informer.addIndex(BY_CONTROLLER, (o) => {
    const ref = controllerRefOf(o);
    return ref ? [ref.uid] : [];
  });
}
