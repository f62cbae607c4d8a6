// core/v1 PersistentVolume: a piece of storage, bound one-to-one to a claim by the
// persistent-volume controller (src/controllers/storage).
import type { KindDef } from "./kind.ts";
import { persistentVolumeColumns } from "../tables/storage-columns.ts";
import { validatePersistentVolume } from "../validation/storage.ts";
import { object, objectReference } from "../patch/upstream-types.ts";
import { atomic, atomicList, struct } from "../patch/schema.ts";

export const persistentVolumeKind: KindDef = {
  group: "",
  version: "v1",
  kind: "PersistentVolume",
  plural: "persistentvolumes",
  singular: "persistentvolume",
  namespaced: false,
  shortNames: ["pv"],
  subresources: { status: true },
  defaults: (pv: any) => {
    if (typeof pv.spec !== "object" || pv.spec === null) return;
    pv.spec.persistentVolumeReclaimPolicy ??= "Retain";
    pv.spec.volumeMode ??= "Filesystem";
    pv.status ??= {};
    if (typeof pv.status === "object") pv.status.phase ??= "Pending";
  },
  validate: validatePersistentVolume,
  columns: persistentVolumeColumns,
  example: { spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/example" } } },
  schema: {
    validation: "core/v1.PersistentVolume",
    protobuf: "k8s.io.api.core.v1.PersistentVolume",
    // VolumeNodeAffinity.required is a NodeSelector: atomic upstream.
    patch: object({ spec: struct({ accessModes: atomicList(), mountOptions: atomicList(), claimRef: objectReference, nodeAffinity: struct({ required: atomic }) }) }),
  },
};
