// rbac.authorization.k8s.io/v1 ClusterRole: cluster-wide rules, or rules aggregated from
// the ClusterRoles its aggregationRule selects (kept up to date by the aggregation controller).
import type { KindDef } from "./kind.ts";
import { roleColumns } from "../tables/rbac-columns.ts";
import { validateClusterRole } from "../validation/rbac.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList, struct } from "../patch/schema.ts";

export const clusterRoleKind: KindDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRole",
  plural: "clusterroles",
  singular: "clusterrole",
  namespaced: false,
  validate: validateClusterRole,
  columns: roleColumns,
  example: { rules: [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }] },
  schema: {
    validation: "rbac/v1.ClusterRole",
    protobuf: "k8s.io.api.rbac.v1.ClusterRole",
    patch: object({ rules: atomicList(), aggregationRule: struct({ clusterRoleSelectors: atomicList() }) }),
  },
};
