// Every kind skiff serves, in discovery order.
import type { KindDef } from "./kind.ts";
import { namespaceKind } from "./namespace.ts";
import { nodeKind } from "./node.ts";
import { podKind } from "./pod.ts";
import { serviceKind } from "./service.ts";
import { endpointsKind } from "./endpoints.ts";
import { configMapKind } from "./configmap.ts";
import { secretKind } from "./secret.ts";
import { eventKind } from "./event.ts";
import { serviceAccountKind } from "./serviceaccount.ts";
import { deploymentKind } from "./deployment.ts";
import { replicaSetKind } from "./replicaset.ts";
import { leaseKind } from "./lease.ts";
import { endpointSliceKind } from "./endpointslice.ts";
import { resourceQuotaKind } from "./resourcequota.ts";
import { limitRangeKind } from "./limitrange.ts";
import { horizontalPodAutoscalerKind } from "./horizontalpodautoscaler.ts";
import { jobKind } from "./job.ts";
import { cronJobKind } from "./cronjob.ts";
import { daemonSetKind } from "./daemonset.ts";
import { controllerRevisionKind } from "./controllerrevision.ts";
import { statefulSetKind } from "./statefulset.ts";
import { persistentVolumeKind } from "./persistentvolume.ts";
import { persistentVolumeClaimKind } from "./persistentvolumeclaim.ts";
import { storageClassKind } from "./storageclass.ts";
import { ingressKind } from "./ingress.ts";
import { ingressClassKind } from "./ingressclass.ts";
import { networkPolicyKind } from "./networkpolicy.ts";
import { podDisruptionBudgetKind } from "./poddisruptionbudget.ts";
import { roleKind } from "./role.ts";
import { clusterRoleKind } from "./clusterrole.ts";
import { roleBindingKind } from "./rolebinding.ts";
import { clusterRoleBindingKind } from "./clusterrolebinding.ts";

export {
  jobKind,
  cronJobKind,
  namespaceKind,
  nodeKind,
  podKind,
  serviceKind,
  endpointsKind,
  configMapKind,
  secretKind,
  eventKind,
  serviceAccountKind,
  deploymentKind,
  replicaSetKind,
  leaseKind,
  endpointSliceKind,
  resourceQuotaKind,
  limitRangeKind,
  horizontalPodAutoscalerKind,
  daemonSetKind,
  controllerRevisionKind,
  persistentVolumeKind,
  persistentVolumeClaimKind,
  storageClassKind,
  statefulSetKind,
  ingressKind,
  ingressClassKind,
  networkPolicyKind,
  podDisruptionBudgetKind,
  roleKind,
  clusterRoleKind,
  roleBindingKind,
  clusterRoleBindingKind,
};

export const allKinds: KindDef[] = [
  configMapKind,
  endpointsKind,
  eventKind,
  limitRangeKind,
  namespaceKind,
  nodeKind,
  persistentVolumeClaimKind,
  persistentVolumeKind,
  podKind,
  resourceQuotaKind,
  secretKind,
  serviceAccountKind,
  serviceKind,
  deploymentKind,
  replicaSetKind,
  daemonSetKind,
  statefulSetKind,
  controllerRevisionKind,
  jobKind,
  cronJobKind,
  leaseKind,
  endpointSliceKind,
  horizontalPodAutoscalerKind,
  ingressClassKind,
  ingressKind,
  networkPolicyKind,
  podDisruptionBudgetKind,
  storageClassKind,
  clusterRoleBindingKind,
  clusterRoleKind,
  roleBindingKind,
  roleKind,
];

/** The declaration for an apiVersion and kind, e.g. ("apps/v1", "Deployment"). */
export function kindByName(apiVersion: string, kind: string): KindDef | undefined {
  return allKinds.find((k) => (k.group ? `${k.group}/${k.version}` : k.version) === apiVersion && k.kind === kind);
}
