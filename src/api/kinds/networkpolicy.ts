// networking.k8s.io/v1 NetworkPolicy: stored and served with upstream's defaults and
// validation; skiff's pod network does not enforce it.
import type { KindDef } from "./kind.ts";
import { networkPolicyColumns } from "../tables/networking-columns.ts";
import { defaultNetworkPolicy, validateNetworkPolicy } from "../validation/networking.ts";
import { atomicList, struct } from "../patch/schema.ts";
import { labelSelector, object } from "../patch/upstream-types.ts";

export const networkPolicyKind: KindDef = {
  group: "networking.k8s.io",
  version: "v1",
  kind: "NetworkPolicy",
  plural: "networkpolicies",
  singular: "networkpolicy",
  namespaced: true,
  shortNames: ["netpol"],
  hasGeneration: true,
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
  columns: networkPolicyColumns,
  example: { spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] } },
  schema: {
    validation: "networking/v1.NetworkPolicy",
    protobuf: "k8s.io.api.networking.v1.NetworkPolicy",
    patch: object({ spec: struct({ podSelector: labelSelector, ingress: atomicList(), egress: atomicList(), policyTypes: atomicList() }) }),
  },
};
