// core/v1 Node.
import type { KindDef } from "./kind.ts";
import { nodeColumns } from "../tables/cluster-columns.ts";
import { validateNode } from "../validation/cluster.ts";
import { withSchema } from "../validation/schema/type-check.ts";

export const nodeKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  namespaced: false,
  shortNames: ["no"],
  subresources: { status: true },
  defaults: (node: any) => {
    // Allocatable defaults to capacity when a node does not report it.
    if (node.status?.capacity && !node.status.allocatable) node.status.allocatable = { ...node.status.capacity };
  },
  validate: withSchema("Node", validateNode),
  columns: nodeColumns,
  fieldSelectors: { "spec.unschedulable": (o: any) => String(!!o.spec?.unschedulable) },
};
