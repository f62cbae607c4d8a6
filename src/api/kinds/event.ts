// core/v1 Event, also served as events.k8s.io/v1 Event (converted at the HTTP boundary).
import type { KindDef } from "./kind.ts";
import { eventColumns } from "../tables/cluster-columns.ts";
import { validateEvent } from "../validation/cluster.ts";
import { object, objectReference } from "../patch/upstream-types.ts";
import { EVENTS_V1_FIELD_LABELS, eventFromEventsV1, eventToEventsV1, validateEventsV1Create } from "./event-conversion.ts";

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
  // The same stored Events, as events.k8s.io/v1 shows them (newer clients read that group).
  otherVersions: [
    {
      group: "events.k8s.io",
      version: "v1",
      protobuf: "k8s.io.api.events.v1.Event",
      validation: "events/v1.Event",
      fromStored: eventToEventsV1,
      toStored: eventFromEventsV1,
      fieldLabels: EVENTS_V1_FIELD_LABELS,
      validateCreate: validateEventsV1Create,
    },
  ],
  example: { involvedObject: { kind: "Pod", name: "p", namespace: "default" }, reason: "Example", message: "an example", type: "Normal" },
  schema: {
    validation: "core/v1.Event",
    protobuf: "k8s.io.api.core.v1.Event",
    patch: object({ involvedObject: objectReference, related: objectReference }),
  },
};
