// `kubectl get` for roles and bindings, as upstream's printRole, printRoleBinding,
// printClusterRole and printClusterRoleBinding give them.
import type { TableColumn } from "../kinds/kind.ts";
import { AGE_DESCRIPTION, ageColumn, col, nameColumn, wide } from "./columns.ts";

type Binding = { roleRef?: { kind?: string; name?: string }; subjects?: { kind?: string; name?: string; namespace?: string }[] };

const createdAt = (o: { metadata?: { creationTimestamp?: string } }) => (o.metadata?.creationTimestamp ? new Date(o.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, "Z") : "");
const ROLE_REF =
  "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.";

/** Users, groups and service accounts of a binding, each list comma-joined (SubjectsStrings). */
function subjects(b: Binding, kind: string): string {
  return (b.subjects ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === "ServiceAccount" ? `${s.namespace ?? ""}/${s.name ?? ""}` : (s.name ?? "")))
    .join(", ");
}

export const roleColumns: TableColumn[] = [nameColumn(), col("Created At", "date", AGE_DESCRIPTION, createdAt)];

export const roleBindingColumns: TableColumn[] = [
  nameColumn(),
  col("Role", "string", ROLE_REF, (b: Binding) => `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`),
  ageColumn(),
  wide("Users", "string", "Users in the roleBinding", (b: Binding) => subjects(b, "User")),
  wide("Groups", "string", "Groups in the roleBinding", (b: Binding) => subjects(b, "Group")),
  wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding", (b: Binding) => subjects(b, "ServiceAccount")),
];
