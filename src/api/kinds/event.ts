// core/v1 Event.
import type { KindDef } from "./kind.ts";
import { eventColumns } from "../tables/cluster-columns.ts";
import { validateEvent } from "../validation/cluster.ts";
import { object, objectReference } from "../patch/upstream-types.ts";

const involved = (field: string) => (o: any) => o.involvedObject?.[field] ?? "";

export const eventKind: KindDef = {
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  namespaced: true,
  shortNames: ["ev"],
  validate: validateEvent,
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
  example: { involvedObject: { kind: "Pod", name: "p", namespace: "default" }, reason: "Example", message: "an example", type: "Normal" },
  schema: {
    validation: "core/v1.Event",
    protobuf: "k8s.io.api.core.v1.Event",
    patch: object({ involvedObject: objectReference, related: objectReference }),
  },
};
