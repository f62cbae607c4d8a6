// core/v1 Node.
import type { KindDef } from "./kind.ts";
import { nodeColumns } from "../tables/cluster-columns.ts";
import { validateNode } from "../validation/cluster.ts";
import { nodeSpec, nodeStatus, object } from "../patch/upstream-types.ts";

export const nodeKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  namespaced: false,
  shortNames: ["no"],
  subresources: { status: true, extra: ["proxy"] },
  // Nodes report their own status, from the first write on.
  keepStatusOnCreate: true,
  defaults: (node: any) => {
    // Allocatable defaults to capacity when a node does not report it.
    if (node.status?.capacity && !node.status.allocatable) node.status.allocatable = { ...node.status.capacity };
  },
  validate: validateNode,
  columns: nodeColumns,
  fieldSelectors: { "spec.unschedulable": (o: any) => String(!!o.spec?.unschedulable) },
  example: {},
  schema: {
    validation: "core/v1.Node",
    protobuf: "k8s.io.api.core.v1.Node",
    patch: object({ spec: nodeSpec, status: nodeStatus }),
  },
};
