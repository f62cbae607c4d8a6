// core/v1 ConfigMap.
import type { KindDef } from "./kind.ts";
import { configMapColumns } from "../tables/cluster-columns.ts";
import { validateConfigMap } from "../validation/config.ts";
import { withSchema } from "../validation/schema/type-check.ts";

export const configMapKind: KindDef = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  singular: "configmap",
  namespaced: true,
  shortNames: ["cm"],
  validate: withSchema("ConfigMap", validateConfigMap),
  columns: configMapColumns,
};
