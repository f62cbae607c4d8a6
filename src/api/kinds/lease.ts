// coordination.k8s.io/v1 Lease: node heartbeats and leader election.
import type { KindDef } from "./kind.ts";
import { leaseColumns } from "../tables/cluster-columns.ts";
import { validateLease } from "../validation/cluster.ts";
import { object } from "../patch/upstream-types.ts";

export const leaseKind: KindDef = {
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  singular: "lease",
  namespaced: true,
  validate: validateLease,
  columns: leaseColumns,
  example: { spec: { holderIdentity: "example" } },
  schema: {
    validation: "coordination/v1.Lease",
    protobuf: "k8s.io.api.coordination.v1.Lease",
    patch: object(),
  },
};
