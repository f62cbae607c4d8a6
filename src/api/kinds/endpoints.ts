// core/v1 Endpoints.
import type { KindDef } from "./kind.ts";
import { endpointsColumns } from "../tables/service-columns.ts";
import { validateEndpoints } from "../validation/service.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList } from "../patch/schema.ts";

export const endpointsKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  singular: "endpoints",
  namespaced: true,
  shortNames: ["ep"],
  defaults: (ep: any) => {
    for (const ss of Array.isArray(ep.subsets) ? ep.subsets : []) for (const p of Array.isArray(ss?.ports) ? ss.ports : []) if (p && typeof p === "object") p.protocol ??= "TCP";
  },
  validate: validateEndpoints,
  columns: endpointsColumns,
  example: { subsets: [{ addresses: [{ ip: "10.42.0.9" }], ports: [{ port: 80 }] }] },
  schema: {
    validation: "core/v1.Endpoints",
    protobuf: "k8s.io.api.core.v1.Endpoints",
    patch: object({ subsets: atomicList() }),
  },
};
