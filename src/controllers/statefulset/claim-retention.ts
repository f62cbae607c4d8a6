// persistentVolumeClaimRetentionPolicy through ownerReferences, as upstream's
// updateClaimOwnerRefForSetAndPod: whenDeleted=Delete makes the set an owner of its claims
// (the garbage collector deletes them with it); whenScaled=Delete makes a condemned pod the
// owner of its claims (they go with the pod, and a scale-up before that takes them back).
import type { OwnerReference } from "kubernetes-types/meta/v1";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { specOf } from "./stateful-pods.ts";

const ref = (apiVersion: string, kind: string, owner: KubeObject): OwnerReference => ({ apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid! });

/** The claim's ownerReferences under the policy, or undefined when they are right already. */
export function claimOwnersUpdate(sts: KubeObject, claim: KubeObject, pod: KubeObject | undefined, scaledDown: boolean): OwnerReference[] | undefined {
  const policy = specOf(sts).persistentVolumeClaimRetentionPolicy ?? {};
  const current = claim.metadata.ownerReferences ?? [];
  const others = current.filter((r) => r.uid !== sts.metadata.uid && !(r.kind === "Pod" && r.apiVersion === "v1"));
  const wanted = [...others];
  const podOwned = policy.whenScaled === "Delete" && scaledDown && pod;
  if (policy.whenDeleted === "Delete" && !podOwned) wanted.push(ref("apps/v1", "StatefulSet", sts));
  if (podOwned) wanted.push(ref("v1", "Pod", pod));
  const key = (rs: OwnerReference[]) => JSON.stringify(rs.map((r) => r.uid).sort());
  return key(wanted) === key(current) ? undefined : wanted;
}
