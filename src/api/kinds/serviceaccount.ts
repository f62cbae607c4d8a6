// core/v1 ServiceAccount.
import type { KindDef } from "./kind.ts";
import { serviceAccountColumns } from "../tables/cluster-columns.ts";
import { validateServiceAccount } from "../validation/cluster.ts";
import { withSchema } from "../validation/schema/type-check.ts";

export const serviceAccountKind: KindDef = {
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  singular: "serviceaccount",
  namespaced: true,
  shortNames: ["sa"],
  validate: withSchema("ServiceAccount", validateServiceAccount),
  columns: serviceAccountColumns,
};
