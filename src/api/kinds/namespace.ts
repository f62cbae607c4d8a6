// core/v1 Namespace.
import type { KindDef } from "./kind.ts";
import { namespaceColumns } from "../tables/cluster-columns.ts";
import { validateNamespace } from "../validation/cluster.ts";
import { conditions, object } from "../patch/upstream-types.ts";
import { atomicList, struct } from "../patch/schema.ts";

export const namespaceKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  singular: "namespace",
  namespaced: false,
  shortNames: ["ns"],
  subresources: { status: true },
  defaults: (ns: any) => {
    ns.spec ??= {};
    if (typeof ns.spec === "object" && ns.spec !== null) ns.spec.finalizers ??= ["kubernetes"];
    ns.status ??= {};
    if (typeof ns.status === "object" && ns.status !== null) ns.status.phase ??= "Active";
    // The namespace's own name, as the NamespaceDefaultLabelName feature sets it.
    if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, "kubernetes.io/metadata.name": ns.metadata.name };
  },
  validate: validateNamespace,
  columns: namespaceColumns,
  fieldSelectors: { "status.phase": (o: any) => o.status?.phase },
  example: {},
  schema: {
    validation: "core/v1.Namespace",
    protobuf: "k8s.io.api.core.v1.Namespace",
    patch: object({ spec: struct({ finalizers: atomicList() }), status: struct({ conditions }) }),
  },
};
