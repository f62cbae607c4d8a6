// `kubectl get` for storageclasses, persistentvolumes and persistentvolumeclaims, as
// upstream's printStorageClass, printPersistentVolume and printPersistentVolumeClaim.
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, nameColumn, wide, NAME_DESCRIPTION } from "./columns.ts";
import { formatQuantity, parseQuantity } from "../quantity.ts";

export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

/** RWO,ROX,RWX,RWOP in upstream's order (GetAccessModesAsString). */
export function accessModesText(modes: string[] | undefined): string {
  const short: [string, string][] = [["ReadWriteOnce", "RWO"], ["ReadOnlyMany", "ROX"], ["ReadWriteMany", "RWX"], ["ReadWriteOncePod", "RWOP"]];
  return short.filter(([m]) => (modes ?? []).includes(m)).map(([, s]) => s).join(",");
}

/** The class a PV or PVC names: the beta annotation first, as upstream's helpers. */
export function storageClassOf(obj: { metadata?: { annotations?: Record<string, string> }; spec?: { storageClassName?: string } }): string {
  return obj.metadata?.annotations?.[BETA_CLASS_ANNOTATION] ?? obj.spec?.storageClassName ?? "";
}

const quantityText = (q: unknown) => {
  const parsed = parseQuantity(q);
  return parsed ? formatQuantity(parsed) : q === undefined ? "0" : String(q);
};
const phaseOf = (o: any) => (o.metadata?.deletionTimestamp ? "Terminating" : (o.status?.phase ?? ""));

export const storageClassColumns: TableColumn[] = [
  col("Name", "string", NAME_DESCRIPTION, (o: any) => `${o.metadata?.name ?? ""}${o.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true" ? " (default)" : ""}`, 0, "name"),
  col("Provisioner", "string", "Indicates the type of the provisioner.", (o: any) => o.provisioner ?? ""),
  col("ReclaimPolicy", "string", "Indicates the type of the reclaim policy.", (o: any) => o.reclaimPolicy ?? "Delete"),
  col("VolumeBindingMode", "string", "Indicates when volume binding and dynamic provisioning should occur.", (o: any) => o.volumeBindingMode ?? "Immediate"),
  col("AllowVolumeExpansion", "string", "Indicates whether the storage class allow volume expand.", (o: any) => !!o.allowVolumeExpansion),
  ageColumn(),
];

export const persistentVolumeColumns: TableColumn[] = [
  nameColumn(),
  col("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity.", (o: any) => quantityText(o.spec?.capacity?.storage)),
  col("Access Modes", "string", "accessModes contains all ways the volume can be mounted.", (o: any) => accessModesText(o.spec?.accessModes)),
  col("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.", (o: any) => o.spec?.persistentVolumeReclaimPolicy ?? ""),
  col("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim.", phaseOf),
  col("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.", (o: any) => (o.spec?.claimRef ? `${o.spec.claimRef.namespace ?? ""}/${o.spec.claimRef.name ?? ""}` : "")),
  col("StorageClass", "string", "storageClassName is the name of StorageClass to which this persistent volume belongs.", storageClassOf),
  col("VolumeAttributesClass", "string", "Name of VolumeAttributesClass to which this persistent volume belongs.", (o: any) => o.spec?.volumeAttributesClassName ?? "<unset>"),
  col("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.", (o: any) => o.status?.reason ?? ""),
  ageColumn(),
  wide("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", (o: any) => o.spec?.volumeMode ?? "<unset>"),
];

export const persistentVolumeClaimColumns: TableColumn[] = [
  nameColumn(),
  col("Status", "string", "phase represents the current phase of PersistentVolumeClaim.", phaseOf),
  col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim.", (o: any) => o.spec?.volumeName ?? ""),
  // Capacity and modes are the bound volume's, shown once the claim names one.
  col("Capacity", "string", "capacity represents the actual resources of the underlying volume.", (o: any) => (o.spec?.volumeName ? quantityText(o.status?.capacity?.storage) : "")),
  col("Access Modes", "string", "accessModes contains the desired access modes the volume should have.", (o: any) => (o.spec?.volumeName ? accessModesText(o.status?.accessModes) : "")),
  col("StorageClass", "string", "storageClassName is the name of the StorageClass required by the claim.", storageClassOf),
  col("VolumeAttributesClass", "string", "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.", (o: any) => o.spec?.volumeAttributesClassName ?? "<unset>"),
  ageColumn(),
  wide("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim.", (o: any) => o.spec?.volumeMode ?? "<unset>"),
];
