// networking.k8s.io/v1 Ingress: stored and served (kubectl, Helm charts); skiff routes no
// traffic by it, no ingress controller fills its status.
import type { KindDef } from "./kind.ts";
import { ingressColumns } from "../tables/networking-columns.ts";
import { validateIngress } from "../validation/networking.ts";
import { atomicList, struct } from "../patch/schema.ts";
import { object } from "../patch/upstream-types.ts";

export const ingressKind: KindDef = {
  group: "networking.k8s.io",
  version: "v1",
  kind: "Ingress",
  plural: "ingresses",
  singular: "ingress",
  namespaced: true,
  shortNames: ["ing"],
  subresources: { status: true },
  hasGeneration: true,
  validate: validateIngress,
  columns: ingressColumns,
  example: { spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } } },
  schema: {
    validation: "networking/v1.Ingress",
    protobuf: "k8s.io.api.networking.v1.Ingress",
    patch: object({
      spec: struct({ rules: atomicList(struct({ http: struct({ paths: atomicList() }) })), tls: atomicList() }),
      status: struct({ loadBalancer: struct({ ingress: atomicList() }) }),
    }),
  },
};
