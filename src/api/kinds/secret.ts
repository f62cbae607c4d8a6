// core/v1 Secret.
import type { KindDef } from "./kind.ts";
import { secretColumns } from "../tables/cluster-columns.ts";
import { validateSecret } from "../validation/config.ts";
import { withSchema } from "../validation/schema/type-check.ts";

export const secretKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  singular: "secret",
  namespaced: true,
  defaults: (s: any) => {
    s.type ||= "Opaque";
  },
  validate: withSchema("Secret", validateSecret),
  columns: secretColumns,
  fieldSelectors: { type: (o: any) => o.type ?? "" },
};
