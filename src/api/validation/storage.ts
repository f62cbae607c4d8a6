// StorageClass, PersistentVolume and PersistentVolumeClaim validation, worded as upstream's
// ValidateStorageClass, ValidatePersistentVolume and ValidatePersistentVolumeClaim(Update).
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { forbidden, invalidValue, notSupported, required } from "./field-errors.ts";
import { validateMeta } from "./object-meta.ts";
import { deepEqual } from "./deep-equal.ts";
import { parseQuantity } from "../quantity.ts";

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];
const VOLUME_MODES = ["Block", "Filesystem"];
/** PersistentVolumeSource's members: a PV names exactly one. */
export const PV_SOURCES = [
  "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker", "gcePersistentDisk",
  "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
];

function validateAccessModes(modes: unknown, path: string): FieldError[] {
  if (!Array.isArray(modes) || modes.length === 0) return [required(path, "at least 1 access mode is required")];
  const errs: FieldError[] = [];
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(notSupported(path, m, ACCESS_MODES));
  if (modes.includes("ReadWriteOncePod") && modes.length > 1) errs.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  return errs;
}

function validateStorage(list: Record<string, unknown> | undefined, path: string): FieldError[] {
  const value = list?.storage;
  if (value === undefined) return [required(`${path}[storage]`, "")];
  const q = parseQuantity(value);
  if (!q) return [invalidValue(`${path}[storage]`, value, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  if (q.milli <= 0n) return [invalidValue(`${path}[storage]`, value, "must be greater than zero")];
  return [];
}

function validateVolumeMode(mode: unknown, path: string): FieldError[] {
  return mode === undefined || VOLUME_MODES.includes(mode as string) ? [] : [notSupported(path, mode, VOLUME_MODES)];
}

export function validateStorageClass(obj: KubeObject, old?: KubeObject): FieldError[] {
  const sc = obj as any;
  const errs = validateMeta(obj, old, false);
  if (!sc.provisioner) errs.push(required("provisioner", ""));
  if (sc.reclaimPolicy !== undefined && !["Delete", "Retain"].includes(sc.reclaimPolicy)) errs.push(notSupported("reclaimPolicy", sc.reclaimPolicy, ["Delete", "Retain"]));
  const modes = ["Immediate", "WaitForFirstConsumer"];
  if (sc.volumeBindingMode !== undefined && !modes.includes(sc.volumeBindingMode)) errs.push(notSupported("volumeBindingMode", sc.volumeBindingMode, modes));
  if (old) {
    const was = old as any;
    if (!deepEqual(sc.parameters ?? {}, was.parameters ?? {})) errs.push(forbidden("parameters", "updates to parameters are forbidden."));
    if (sc.provisioner !== was.provisioner) errs.push(forbidden("provisioner", "updates to provisioner are forbidden."));
    if (sc.reclaimPolicy !== was.reclaimPolicy) errs.push(forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
    if (sc.volumeBindingMode !== was.volumeBindingMode) errs.push(invalidValue("volumeBindingMode", sc.volumeBindingMode, "field is immutable"));
  }
  return errs;
}

export function validatePersistentVolume(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as any;
  const errs = validateMeta(obj, old, false);
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  if (!spec.capacity) errs.push(required("spec.capacity", ""));
  else errs.push(...validateStorage(spec.capacity, "spec.capacity"));
  const policies = ["Delete", "Recycle", "Retain"];
  if (spec.persistentVolumeReclaimPolicy !== undefined && !policies.includes(spec.persistentVolumeReclaimPolicy)) errs.push(notSupported("spec.persistentVolumeReclaimPolicy", spec.persistentVolumeReclaimPolicy, policies));
  errs.push(...validateVolumeMode(spec.volumeMode, "spec.volumeMode"));
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errs.push(required("spec", "must specify a volume type"));
  for (const s of sources.slice(1)) errs.push(forbidden(`spec.${s}`, "may not specify more than 1 volume type"));
  if (spec.hostPath && !spec.hostPath.path) errs.push(required("spec.hostPath.path", ""));
  if (spec.local) {
    if (!spec.local.path) errs.push(required("spec.local.path", ""));
    if (!spec.nodeAffinity?.required) errs.push(required("spec.nodeAffinity", "Local volume requires node affinity"));
  }
  for (const p of ["hostPath.path", "local.path"] as const) {
    const [src, key] = p.split(".") as [string, string];
    const path = spec[src]?.[key];
    if (typeof path === "string" && path.split("/").includes("..")) errs.push(invalidValue(`spec.${p}`, path, "must not contain '..'"));
  }
  if (old) {
    const was = (old.spec ?? {}) as any;
    for (const s of PV_SOURCES) if (!deepEqual(spec[s], was[s])) {
      errs.push(forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
      break;
    }
    if (was.nodeAffinity && !deepEqual(spec.nodeAffinity, was.nodeAffinity)) errs.push(invalidValue("spec.nodeAffinity", spec.nodeAffinity ?? null, "field is immutable"));
    if ((spec.volumeMode ?? "Filesystem") !== (was.volumeMode ?? "Filesystem")) errs.push(invalidValue("spec.volumeMode", spec.volumeMode, "field is immutable"));
  }
  return errs;
}

const CLAIM_IMMUTABLE = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

export function validatePersistentVolumeClaim(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as any;
  const errs = validateMeta(obj, old, true);
  errs.push(...validateAccessModes(spec.accessModes, "spec.accessModes"));
  errs.push(...validateStorage(spec.resources?.requests, "spec.resources"));
  errs.push(...validateVolumeMode(spec.volumeMode, "spec.volumeMode"));
  if (old) {
    const was = (old.spec ?? {}) as any;
    // The binder fills volumeName and a default class into a claim that had none; requests may grow.
    const comparable = (s: any) => {
      const { resources, volumeAttributesClassName, ...rest } = s;
      void resources;
      void volumeAttributesClassName;
      return rest;
    };
    const next = comparable(spec);
    const prev = comparable(was);
    if (!was.volumeName) prev.volumeName = next.volumeName;
    if (was.storageClassName === undefined) prev.storageClassName = next.storageClassName;
    if (!deepEqual(next, prev)) errs.push(forbidden("spec", CLAIM_IMMUTABLE));
    const grown = parseQuantity(spec.resources?.requests?.storage);
    const before = parseQuantity(was.resources?.requests?.storage);
    if (was.volumeName && grown && before && grown.milli < before.milli) errs.push(forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
  }
  return errs;
}
