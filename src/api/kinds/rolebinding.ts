// rbac.authorization.k8s.io/v1 RoleBinding: grants a Role's or ClusterRole's rules within
// one namespace to users, groups and service accounts.
import type { KindDef } from "./kind.ts";
import { roleBindingColumns } from "../tables/rbac-columns.ts";
import { defaultBinding, validateRoleBinding } from "../validation/rbac.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList } from "../patch/schema.ts";

export const roleBindingKind: KindDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "RoleBinding",
  plural: "rolebindings",
  singular: "rolebinding",
  namespaced: true,
  defaults: defaultBinding,
  validate: validateRoleBinding,
  columns: roleBindingColumns,
  example: { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "User", name: "jane" }] },
  schema: {
    validation: "rbac/v1.RoleBinding",
    protobuf: "k8s.io.api.rbac.v1.RoleBinding",
    patch: object({ subjects: atomicList() }),
  },
};
