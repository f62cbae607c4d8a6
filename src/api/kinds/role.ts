// rbac.authorization.k8s.io/v1 Role: rules within one namespace.
import type { KindDef } from "./kind.ts";
import { roleColumns } from "../tables/rbac-columns.ts";
import { validateRole } from "../validation/rbac.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList } from "../patch/schema.ts";

export const roleKind: KindDef = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "Role",
  plural: "roles",
  singular: "role",
  namespaced: true,
  validate: validateRole,
  columns: roleColumns,
  example: { rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }] },
  schema: {
    validation: "rbac/v1.Role",
    protobuf: "k8s.io.api.rbac.v1.Role",
    patch: object({ rules: atomicList() }),
  },
};
