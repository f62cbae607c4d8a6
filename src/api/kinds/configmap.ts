// core/v1 ConfigMap.
import type { KindDef } from "./kind.ts";
import { configMapColumns } from "../tables/cluster-columns.ts";
import { validateConfigMap } from "../validation/config.ts";
import { object } from "../patch/upstream-types.ts";

export const configMapKind: KindDef = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  singular: "configmap",
  namespaced: true,
  shortNames: ["cm"],
  validate: validateConfigMap,
  columns: configMapColumns,
  example: { data: { greeting: "hello" } },
  schema: {
    validation: "core/v1.ConfigMap",
    protobuf: "k8s.io.api.core.v1.ConfigMap",
    patch: object(),
  },
};
