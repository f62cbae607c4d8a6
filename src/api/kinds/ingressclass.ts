// networking.k8s.io/v1 IngressClass: stored and served, for charts that declare one.
import type { KindDef } from "./kind.ts";
import { ingressClassColumns } from "../tables/networking-columns.ts";
import { defaultIngressClass, validateIngressClass } from "../validation/networking.ts";
import { object } from "../patch/upstream-types.ts";

export const ingressClassKind: KindDef = {
  group: "networking.k8s.io",
  version: "v1",
  kind: "IngressClass",
  plural: "ingressclasses",
  singular: "ingressclass",
  namespaced: false,
  defaults: defaultIngressClass,
  validate: validateIngressClass,
  columns: ingressClassColumns,
  example: { spec: { controller: "example.com/ingress-controller" } },
  schema: {
    validation: "networking/v1.IngressClass",
    protobuf: "k8s.io.api.networking.v1.IngressClass",
    patch: object(),
  },
};
