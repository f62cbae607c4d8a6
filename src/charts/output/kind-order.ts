// Helm's InstallOrder: the kind order manifests are written (and applied) in.
export const INSTALL_ORDER = [
  "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
  "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
  "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
  "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
  "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
  "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
  "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
];

const rank = new Map(INSTALL_ORDER.map((k, i) => [k, i]));

/** Helm's lessByKind: known kinds by rank, unknown kinds last and alphabetically. */
export function lessByKind(kindA: string, kindB: string): boolean {
  const a = rank.get(kindA), b = rank.get(kindB);
  if (a === undefined && b === undefined) return kindA < kindB;
  if (a === undefined) return false;
  if (b === undefined) return true;
  return a < b;
}

/** A stable sort by kind (Array.prototype.sort is stable). */
export function sortByKind<T>(items: T[], kindOf: (t: T) => string): T[] {
  return [...items].sort((x, y) => {
    const kx = kindOf(x), ky = kindOf(y);
    return lessByKind(kx, ky) ? -1 : lessByKind(ky, kx) ? 1 : 0;
  });
}
