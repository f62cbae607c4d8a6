// What binds to what: a claim to a PersistentVolume (class, access modes, capacity, selector),
// a volume to a node (its node affinity), and the names skiff's local-path provisioning uses.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { parseQuantity } from "../../api/quantity.ts";
import { labelSelectorMatcher } from "../../api/selectors/label-selector.ts";
import { matchesNodeSelectorAndAffinity } from "../../scheduler/node-matching.ts";
import { storageClassOf, DEFAULT_CLASS_ANNOTATION } from "../../api/tables/storage-columns.ts";

export const LOCAL_PATH_PROVISIONER = "skiff.io/local-path";
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
export const PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by";
export const BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed";
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";
/** Held by a provisioned local volume until its node's agent has removed the directory. */
export const LOCAL_PATH_CLEANUP_FINALIZER = "skiff.io/local-path-cleanup";

type Spec = { accessModes?: string[]; capacity?: Record<string, string>; resources?: { requests?: Record<string, string> }; selector?: object; claimRef?: { namespace?: string; name?: string; uid?: string }; volumeName?: string; nodeAffinity?: { required?: unknown }; storageClassName?: string };
const spec = (o: KubeObject) => (o.spec ?? {}) as Spec;

export function claimRequest(claim: KubeObject): bigint {
  return parseQuantity(spec(claim).resources?.requests?.storage)?.milli ?? 0n;
}

/** The volume can serve the claim: same class, every mode asked for, enough room, selector. */
export function volumeFitsClaim(pv: KubeObject, claim: KubeObject): boolean {
  if (storageClassOf(pv as never) !== storageClassOf(claim as never)) return false;
  const modes = spec(pv).accessModes ?? [];
  if (!(spec(claim).accessModes ?? []).every((m) => modes.includes(m))) return false;
  if ((parseQuantity(spec(pv).capacity?.storage)?.milli ?? 0n) < claimRequest(claim)) return false;
  const selector = spec(claim).selector;
  return !selector || labelSelectorMatcher(selector as never)(pv.metadata.labels ?? {});
}

/** Free for this claim: no claimRef, or one naming this claim (pre-bound). */
export function volumeAvailableFor(pv: KubeObject, claim: KubeObject): boolean {
  if (pv.metadata.deletionTimestamp) return false;
  const ref = spec(pv).claimRef;
  if (!ref) return !spec(claim).volumeName || spec(claim).volumeName === pv.metadata.name;
  return ref.namespace === claim.metadata.namespace && ref.name === claim.metadata.name && (!ref.uid || ref.uid === claim.metadata.uid);
}

/** The volume's node affinity admits the node (a volume without one is reachable anywhere). */
export function volumeReachableFrom(pv: KubeObject, node: KubeObject): boolean {
  const required = spec(pv).nodeAffinity?.required;
  if (!required) return true;
  return matchesNodeSelectorAndAffinity({ metadata: {}, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } } } }, node);
}

/** A volume local-path provisioned on this node: the directory its agent makes and removes. */
export function localPathVolumeOn(pv: KubeObject, node: string): boolean {
  if (pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) return false;
  const terms = ((spec(pv).nodeAffinity?.required ?? {}) as { nodeSelectorTerms?: { matchExpressions?: { key: string; values?: string[] }[] }[] }).nodeSelectorTerms ?? [];
  return terms.some((t) => (t.matchExpressions ?? []).some((e) => e.key === "kubernetes.io/hostname" && (e.values ?? []).includes(node)));
}

export function isDefaultClass(sc: KubeObject): boolean {
  return sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true";
}

/** The claims a pod mounts, by name. */
export function podClaimNames(pod: KubeObject): string[] {
  const volumes = ((pod.spec ?? {}) as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] }).volumes ?? [];
  return volumes.map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => !!n);
}
