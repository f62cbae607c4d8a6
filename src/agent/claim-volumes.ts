// persistentVolumeClaim volumes: the claim's bound PersistentVolume names a directory on this
// node (hostPath, local, or one provisioned by local-path), which is mounted as is.
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import type { KubeObject } from "../api/kinds/kind.ts";
import { ContainerConfigError, type ObjectLookup } from "./env.ts";

type VolumeSpec = { hostPath?: { path?: string; type?: string }; local?: { path?: string } };

/** The host directory behind a claim; throws ContainerConfigError while it cannot be mounted. */
export function claimVolumePath(volume: string, namespace: string, claimName: string, lookup: ObjectLookup): string {
  const claim = lookup("persistentvolumeclaims", namespace, claimName);
  if (!claim) throw new ContainerConfigError(`volume "${volume}": persistentvolumeclaim "${claimName}" not found`);
  const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
  if (!volumeName) throw new ContainerConfigError(`volume "${volume}": persistentvolumeclaim "${claimName}" is not bound`);
  const pv = lookup("persistentvolumes", "", volumeName);
  if (!pv) throw new ContainerConfigError(`volume "${volume}": persistentvolume "${volumeName}" not found`);
  const spec = (pv.spec ?? {}) as VolumeSpec;
  const path = spec.hostPath?.path ?? spec.local?.path;
  if (!path) throw new ContainerConfigError(`volume "${volume}": persistentvolume "${volumeName}" is not a hostPath or local volume, the types this node mounts`);
  if (spec.hostPath && (spec.hostPath.type ?? "") === "DirectoryOrCreate") ensureDirectory(path);
  else if (!existsSync(path) || !statSync(path).isDirectory()) throw new ContainerConfigError(`volume "${volume}": persistentvolume "${volumeName}": ${path} is not a directory on this node`);
  return path;
}

/** A provisioned volume's directory, writable by any container user (as local-path's). */
export function ensureDirectory(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
}

/** Names of the pod's volumes its spec mounts read-only as a whole (persistentVolumeClaim.readOnly). */
export function readOnlyClaimVolumes(pod: KubeObject | undefined): Set<string> {
  const volumes = ((pod?.spec ?? {}) as { volumes?: { name: string; persistentVolumeClaim?: { readOnly?: boolean } }[] }).volumes ?? [];
  return new Set(volumes.filter((v) => v.persistentVolumeClaim?.readOnly).map((v) => v.name));
}
