// core/v1 PersistentVolumeClaim: a pod's request for storage, bound to a PersistentVolume
// by the persistent-volume controller, which provisions one for skiff's local-path class.
import type { KindDef } from "./kind.ts";
import { persistentVolumeClaimColumns } from "../tables/storage-columns.ts";
import { validatePersistentVolumeClaim } from "../validation/storage.ts";
import { conditions, labelSelector, object } from "../patch/upstream-types.ts";
import { atomic, atomicList, struct } from "../patch/schema.ts";

export const persistentVolumeClaimKind: KindDef = {
  group: "",
  version: "v1",
  kind: "PersistentVolumeClaim",
  plural: "persistentvolumeclaims",
  singular: "persistentvolumeclaim",
  namespaced: true,
  shortNames: ["pvc"],
  subresources: { status: true },
  defaults: (pvc: any) => {
    if (typeof pvc.spec !== "object" || pvc.spec === null) return;
    pvc.spec.volumeMode ??= "Filesystem";
    pvc.status ??= {};
    if (typeof pvc.status === "object") pvc.status.phase ??= "Pending";
  },
  validate: validatePersistentVolumeClaim,
  columns: persistentVolumeClaimColumns,
  example: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
  schema: {
    validation: "core/v1.PersistentVolumeClaim",
    protobuf: "k8s.io.api.core.v1.PersistentVolumeClaim",
    patch: object({
      spec: struct({ accessModes: atomicList(), selector: labelSelector, dataSource: atomic, dataSourceRef: atomic }),
      status: struct({ accessModes: atomicList(), conditions }),
    }),
  },
};
