// core/v1 Secret.
import type { KindDef } from "./kind.ts";
import { secretColumns } from "../tables/cluster-columns.ts";
import { validateSecret } from "../validation/config.ts";
import { object } from "../patch/upstream-types.ts";

export const secretKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  singular: "secret",
  namespaced: true,
  defaults: (s: any) => {
    s.type ||= "Opaque";
    // stringData is write-only convenience: upstream folds it into data (base64) on every write.
    if (s.stringData && typeof s.stringData === "object" && !Array.isArray(s.stringData)) {
      s.data = { ...(s.data && typeof s.data === "object" ? s.data : {}) };
      for (const [k, v] of Object.entries(s.stringData)) if (typeof v === "string") s.data[k] = Buffer.from(v, "utf8").toString("base64");
      delete s.stringData;
    }
  },
  validate: validateSecret,
  columns: secretColumns,
  fieldSelectors: { type: (o: any) => o.type ?? "" },
  example: { data: { token: "c2VjcmV0" } },
  schema: {
    validation: "core/v1.Secret",
    protobuf: "k8s.io.api.core.v1.Secret",
    patch: object(),
  },
};
