// apps/v1 ControllerRevision: an immutable snapshot of a workload's template (DaemonSet history).
import type { KindDef } from "./kind.ts";
import { controllerRevisionColumns } from "../tables/daemonset-columns.ts";
import { validateControllerRevision } from "../validation/daemonset.ts";
import { object } from "../patch/upstream-types.ts";
import { atomic } from "../patch/schema.ts";

export const controllerRevisionKind: KindDef = {
  group: "apps",
  version: "v1",
  kind: "ControllerRevision",
  plural: "controllerrevisions",
  singular: "controllerrevision",
  namespaced: true,
  validate: validateControllerRevision,
  columns: controllerRevisionColumns,
  example: { data: { spec: { template: { metadata: { labels: { app: "example" } } } } }, revision: 1 },
  schema: {
    validation: "apps/v1.ControllerRevision",
    protobuf: "k8s.io.api.apps.v1.ControllerRevision",
    // RawExtension: replaced whole, never merged.
    patch: object({ data: atomic }),
  },
};
