// discovery.k8s.io/v1 EndpointSlice.
import type { KindDef } from "./kind.ts";
import { endpointSliceColumns } from "../tables/service-columns.ts";
import { validateEndpointSlice } from "../validation/service.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList } from "../patch/schema.ts";

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
  validate: validateEndpointSlice,
  columns: endpointSliceColumns,
  example: { addressType: "IPv4", endpoints: [], ports: [] },
  schema: {
    validation: "discovery/v1.EndpointSlice",
    protobuf: "k8s.io.api.discovery.v1.EndpointSlice",
    patch: object({ endpoints: atomicList(), ports: atomicList() }),
  },
};
