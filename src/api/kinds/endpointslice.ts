// discovery.k8s.io/v1 EndpointSlice.
import type { KindDef } from "./kind.ts";
import { endpointSliceColumns } from "../tables/service-columns.ts";
import { validateEndpointSlice } from "../validation/service.ts";
import { withSchema } from "../validation/schema/type-check.ts";

export const endpointSliceKind: KindDef = {
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  singular: "endpointslice",
  namespaced: true,
  defaults: (s: any) => {
    for (const p of Array.isArray(s.ports) ? s.ports : []) {
      if (!p || typeof p !== "object") continue;
      p.name ??= "";
      p.protocol ??= "TCP";
    }
  },
  validate: withSchema("EndpointSlice", validateEndpointSlice),
  columns: endpointSliceColumns,
};
