// Upstream's default ClusterRoles and ClusterRoleBindings (plugin/pkg/auth/authorizer/rbac/
// bootstrappolicy) that matter on skiff: cluster-admin, the aggregated admin/edit/view with
// the aggregate-to-* roles that feed them, discovery, basic-user, public-info-viewer and
// monitoring; and metrics-server's aggregated-metrics-reader, as skiff serves metrics.k8s.io.
// Made at server start when missing; one annotated autoupdate "true" gets back a rule,
// subject or aggregation rule it lost (as upstream's reconciliation adds, never removes).
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { RBAC_GROUP, type PolicyRule, type Subject } from "../../api/validation/rbac.ts";
import { covers } from "./rbac-rules.ts";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE = [...READ, ...WRITE];
const AGGREGATE = (role: string) => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ nonResourceURLs, verbs });

type RoleSpec = { name: string; rules?: PolicyRule[]; aggregateFrom?: string; labels?: Record<string, string> };

export const DEFAULT_CLUSTER_ROLES: RoleSpec[] = [
  { name: "cluster-admin", rules: [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])] },
  { name: "admin", aggregateFrom: "admin" },
  { name: "edit", aggregateFrom: "edit", labels: { [AGGREGATE("admin")]: "true" } },
  { name: "view", aggregateFrom: "view", labels: { [AGGREGATE("edit")]: "true" } },
  {
    name: "system:aggregate-to-admin",
    labels: { [AGGREGATE("admin")]: "true" },
    rules: [rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]), rule(READ_WRITE, [RBAC_GROUP], ["roles", "rolebindings"])],
  },
  {
    name: "system:aggregate-to-edit",
    labels: { [AGGREGATE("edit")]: "true" },
    rules: [
      rule(READ, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
      rule(["impersonate"], [""], ["serviceaccounts"]),
      rule(WRITE, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
      rule(["create"], [""], ["pods/eviction"]),
      rule(WRITE, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"]),
      rule(["create"], [""], ["serviceaccounts/token"]),
      rule(WRITE, ["apps"], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"]),
      rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
      rule(WRITE, ["batch"], ["jobs", "cronjobs"]),
      rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
      rule(WRITE, ["networking.k8s.io"], ["networkpolicies", "ingresses"]),
      rule(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
    ],
  },
  {
    name: "system:aggregate-to-view",
    labels: { [AGGREGATE("view")]: "true" },
    rules: [
      rule(READ, [""], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
      rule(READ, [""], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"]),
      // Reading namespaces at the namespace scope means reading this namespace.
      rule(READ, [""], ["namespaces"]),
      rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
      rule(READ, ["apps"], ["controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale", "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"]),
      rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
      rule(READ, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
      rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
      rule(READ, ["networking.k8s.io"], ["networkpolicies", "ingresses", "ingresses/status"]),
    ],
  },
  // What metrics-server ships beside its API (k3s too): kubectl top for every view, edit and admin.
  {
    name: "system:aggregated-metrics-reader",
    labels: { [AGGREGATE("view")]: "true", [AGGREGATE("edit")]: "true", [AGGREGATE("admin")]: "true" },
    rules: [rule(READ, ["metrics.k8s.io"], ["pods", "nodes"])],
  },
  {
    name: "system:discovery",
    rules: [urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])],
  },
  {
    name: "system:basic-user",
    rules: [rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]), rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])],
  },
  { name: "system:public-info-viewer", rules: [urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])] },
  { name: "system:monitoring", rules: [urls(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"])] },
];

const group = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: "Group", name });

export const DEFAULT_CLUSTER_ROLE_BINDINGS: { name: string; role: string; subjects: Subject[] }[] = [
  { name: "cluster-admin", role: "cluster-admin", subjects: [group("system:masters")] },
  { name: "system:discovery", role: "system:discovery", subjects: [group("system:authenticated")] },
  { name: "system:basic-user", role: "system:basic-user", subjects: [group("system:authenticated")] },
  { name: "system:public-info-viewer", role: "system:public-info-viewer", subjects: [group("system:authenticated"), group("system:unauthenticated")] },
  { name: "system:monitoring", role: "system:monitoring", subjects: [group("system:monitoring")] },
];

const bootstrapMeta = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...labels },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
});

export function defaultClusterRole(spec: RoleSpec): KubeObject {
  const role: KubeObject = { metadata: bootstrapMeta(spec.name, spec.labels) };
  if (spec.aggregateFrom) {
    role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE(spec.aggregateFrom)]: "true" } }] };
    role.rules = [];
  } else role.rules = structuredClone(spec.rules ?? []);
  return role;
}

const autoupdate = (o: KubeObject) => o.metadata.annotations?.["rbac.authorization.kubernetes.io/autoupdate"] !== "false";

/** Creates the default roles and bindings that are missing and restores what an autoupdate one lost. */
export async function ensureBootstrapPolicy(registry: Registry): Promise<void> {
  const roles = registry.kind(RBAC_GROUP, "v1", "clusterroles");
  const bindings = registry.kind(RBAC_GROUP, "v1", "clusterrolebindings");
  if (!roles || !bindings) return;
  for (const spec of DEFAULT_CLUSTER_ROLES) {
    const want = defaultClusterRole(spec);
    const have = registry.tryGet(roles, "", spec.name);
    if (!have) {
      await registry.create(roles, "", want);
      continue;
    }
    if (!autoupdate(have)) continue;
    const rules = (have.rules as PolicyRule[] | undefined) ?? [];
    const missingRules = spec.aggregateFrom ? [] : covers(rules, want.rules as PolicyRule[]).ok ? [] : (want.rules as PolicyRule[]);
    const labelsLost = Object.entries(spec.labels ?? {}).some(([k, v]) => have.metadata.labels?.[k] !== v);
    const aggregationLost = !!spec.aggregateFrom && !have.aggregationRule;
    if (!missingRules.length && !labelsLost && !aggregationLost) continue;
    await registry.replace(roles, "", spec.name, (cur) => {
      const next = cur!;
      next.metadata.labels = { ...next.metadata.labels, ...spec.labels };
      if (aggregationLost) next.aggregationRule = want.aggregationRule;
      if (missingRules.length) next.rules = [...rules, ...missingRules.filter((r) => !covers(rules, [r]).ok)];
      return next;
    });
  }
  for (const b of DEFAULT_CLUSTER_ROLE_BINDINGS) {
    const have = registry.tryGet(bindings, "", b.name);
    if (!have) {
      await registry.create(bindings, "", { metadata: bootstrapMeta(b.name), roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: b.role }, subjects: b.subjects });
      continue;
    }
    if (!autoupdate(have)) continue;
    const subjects = (have.subjects as Subject[] | undefined) ?? [];
    const lost = b.subjects.filter((s) => !subjects.some((h) => h.kind === s.kind && h.name === s.name));
    if (lost.length) await registry.replace(bindings, "", b.name, (cur) => ({ ...cur!, subjects: [...subjects, ...lost] }));
  }
}
