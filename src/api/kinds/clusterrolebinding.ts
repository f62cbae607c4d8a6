// rbac.authorization.k8s.io/v1 ClusterRoleBinding: grants a ClusterRole's rules in every
// namespace (and its non-resource URLs) to users, groups and service accounts.
import type { KindDef } from "./kind.ts";
import { roleBindingColumns } from "../tables/rbac-columns.ts";
import { defaultBinding, validateClusterRoleBinding } from "../validation/rbac.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList } from "../patch/schema.ts";

export const clusterRoleBindingKind: KindDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRoleBinding",
  plural: "clusterrolebindings",
  singular: "clusterrolebinding",
  namespaced: false,
  defaults: defaultBinding,
  validate: validateClusterRoleBinding,
  columns: roleBindingColumns,
  example: { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "Group", name: "readers" }] },
  schema: {
    validation: "rbac/v1.ClusterRoleBinding",
    protobuf: "k8s.io.api.rbac.v1.ClusterRoleBinding",
    patch: object({ subjects: atomicList() }),
  },
};
