// core/v1 Event.
import type { KindDef } from "./kind.ts";
import { eventColumns } from "../tables/cluster-columns.ts";
import { validateEvent } from "../validation/cluster.ts";
import { withSchema } from "../validation/schema/type-check.ts";

const involved = (field: string) => (o: any) => o.involvedObject?.[field] ?? "";

export const eventKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  namespaced: true,
  shortNames: ["ev"],
  validate: withSchema("Event", validateEvent),
  columns: eventColumns,
  fieldSelectors: {
    "involvedObject.kind": involved("kind"),
    "involvedObject.namespace": involved("namespace"),
    "involvedObject.name": involved("name"),
    "involvedObject.uid": involved("uid"),
    "involvedObject.apiVersion": involved("apiVersion"),
    "involvedObject.resourceVersion": involved("resourceVersion"),
    "involvedObject.fieldPath": involved("fieldPath"),
    reason: (o: any) => o.reason ?? "",
    reportingComponent: (o: any) => o.reportingComponent ?? "",
    source: (o: any) => o.source?.component ?? "",
    type: (o: any) => o.type ?? "",
  },
};
