// From a release manifest to the objects sent to the cluster: parse each document, check
// that the server serves every kind (before anything is applied), fill in the release
// namespace, and mark each object as belonging to the release as Helm does.
import { parse } from "yaml";
import { splitManifests } from "../output/manifests.ts";
import { sortByKind } from "../output/kind-order.ts";
import type { Cluster, KubeObj } from "./cluster.ts";
import { ReleaseActionError } from "./release-errors.ts";

export function parseManifest(manifest: string): KubeObj[] {
  const out: KubeObj[] = [];
  for (const doc of splitManifests(manifest)) {
    const v = parse(doc) as KubeObj | null;
    if (!v || typeof v !== "object") continue;
    out.push(v);
  }
  return out;
}

/**
 * Resolve every object against discovery; fail naming the first kind the server does
 * not serve, in the words helm uses. Returns the objects with namespaces and ownership set.
 */
export async function buildObjects(cluster: Cluster, manifest: string, release: { name: string; namespace: string }, markOwnership = true): Promise<KubeObj[]> {
  const objs = parseManifest(manifest);
  for (const o of objs) {
    if (!o.apiVersion || !o.kind) throw new ReleaseActionError(`unable to build kubernetes objects from release manifest: error validating data: apiVersion or kind not set`);
    o.metadata ??= { name: "" };
    const info = await cluster.kindInfo(o.apiVersion, o.kind);
    if (!info) {
      throw new ReleaseActionError(
        `unable to build kubernetes objects from release manifest: resource mapping not found for name: "${o.metadata.name}" namespace: "${o.metadata.namespace ?? ""}" from "": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`,
      );
    }
    if (info.namespaced) o.metadata.namespace ||= release.namespace;
    else delete o.metadata.namespace;
    if (!markOwnership) continue;
    o.metadata.labels = { ...o.metadata.labels, "app.kubernetes.io/managed-by": "Helm" };
    o.metadata.annotations = { ...o.metadata.annotations, "meta.helm.sh/release-name": release.name, "meta.helm.sh/release-namespace": release.namespace };
  }
  return sortByKind(objs, (o) => o.kind);
}

// Helm's UninstallOrder: webhooks and front doors first, then workloads, then what they use.
const UNINSTALL_ORDER = [
  "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "Ingress", "IngressClass",
  "Service", "CronJob", "Job", "StatefulSet", "HorizontalPodAutoscaler", "Deployment", "ReplicaSet",
  "ReplicationController", "Pod", "DaemonSet", "RoleBindingList", "RoleBinding", "RoleList", "Role",
  "ClusterRoleBindingList", "ClusterRoleBinding", "ClusterRoleList", "ClusterRole", "CustomResourceDefinition",
  "PersistentVolumeClaim", "PersistentVolume", "StorageClass", "ConfigMap", "SecretList", "Secret",
  "ServiceAccount", "PodDisruptionBudget", "PodSecurityPolicy", "LimitRange", "ResourceQuota", "NetworkPolicy",
  "Namespace", "PriorityClass",
];
const uninstallRank = new Map(UNINSTALL_ORDER.map((k, i) => [k, i]));

/** Objects in the order Helm deletes them (unknown kinds last, alphabetically). */
export function uninstallOrder(objs: KubeObj[]): KubeObj[] {
  return [...objs].sort((x, y) => {
    const a = uninstallRank.get(x.kind), b = uninstallRank.get(y.kind);
    if (a !== undefined && b !== undefined) return a - b;
    if (a === undefined && b === undefined) return x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0;
    return a === undefined ? 1 : -1;
  });
}
