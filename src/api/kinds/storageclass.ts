// storage.k8s.io/v1 StorageClass: how claims of a class get their volumes (skiff's own
// provisioner is skiff.io/local-path; the bootstrap adds the default class `local-path`).
import type { KindDef } from "./kind.ts";
import { storageClassColumns } from "../tables/storage-columns.ts";
import { validateStorageClass } from "../validation/storage.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList } from "../patch/schema.ts";

export const storageClassKind: KindDef = {
  group: "storage.k8s.io",
  version: "v1",
  kind: "StorageClass",
  plural: "storageclasses",
  singular: "storageclass",
  namespaced: false,
  shortNames: ["sc"],
  defaults: (sc: any) => {
    sc.reclaimPolicy ??= "Delete";
    sc.volumeBindingMode ??= "Immediate";
  },
  validate: validateStorageClass,
  columns: storageClassColumns,
  example: { provisioner: "example.com/none" },
  schema: {
    validation: "storage/v1.StorageClass",
    protobuf: "k8s.io.api.storage.v1.StorageClass",
    patch: object({ mountOptions: atomicList(), allowedTopologies: atomicList() }),
  },
};
