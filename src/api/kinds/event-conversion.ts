// events.k8s.io/v1 Event as a view of the stored core/v1 Event, field for field as upstream's
// conversion (pkg/apis/events/v1/conversion.go): regarding ↔ involvedObject, note ↔ message,
// reportingController ↔ reportingComponent, deprecatedSource ↔ source,
// deprecatedFirstTimestamp/deprecatedLastTimestamp/deprecatedCount ↔ firstTimestamp/
// lastTimestamp/count; eventTime, series, reportingInstance, action, reason, related and
// type keep their names. Creates through events.k8s.io/v1 are checked as upstream's
// ValidateEventCreate does for that version.
import type { FieldError, KubeObject } from "./kind.ts";
import { invalidValue, required } from "../validation/field-errors.ts";
import { isQualifiedName } from "../validation/names.ts";

/** [events.k8s.io/v1 name, core/v1 name] of every field that is renamed. */
const RENAMED: [string, string][] = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
];
const KEPT = ["eventTime", "series", "reportingInstance", "action", "reason", "related", "type"];

function move(from: KubeObject, pairs: [string, string][], apiVersion: string): KubeObject {
  const out: KubeObject = { apiVersion, kind: "Event", metadata: from.metadata };
  for (const [src, dst] of pairs) if (from[src] !== undefined) out[dst] = from[src];
  return out;
}

export function eventToEventsV1(core: KubeObject): KubeObject {
  const pairs: [string, string][] = [...RENAMED.map(([v1, c]) => [c, v1] as [string, string]), ...KEPT.map((k) => [k, k] as [string, string])];
  return move(core, pairs, "events.k8s.io/v1");
}

const EVENTS_V1_FIELDS = new Set(["apiVersion", "kind", "metadata", ...RENAMED.map(([v1]) => v1), ...KEPT]);
const CORE_ONLY = new Set(RENAMED.map(([, core]) => core));

export function eventFromEventsV1(v1: KubeObject): KubeObject {
  const core = move(v1, [...RENAMED, ...KEPT.map((k) => [k, k] as [string, string])], "v1");
  // Fields neither version knows stay, so strict field validation names them.
  for (const [k, v] of Object.entries(v1)) if (!EVENTS_V1_FIELDS.has(k) && !CORE_ONLY.has(k)) core[k] = v;
  return core;
}

/** Field selector labels of events.k8s.io/v1 and the core labels they stand for. */
export const EVENTS_V1_FIELD_LABELS: Record<string, string> = {
  "metadata.name": "metadata.name",
  "metadata.namespace": "metadata.namespace",
  "regarding.kind": "involvedObject.kind",
  "regarding.namespace": "involvedObject.namespace",
  "regarding.name": "involvedObject.name",
  "regarding.uid": "involvedObject.uid",
  "regarding.apiVersion": "involvedObject.apiVersion",
  "regarding.resourceVersion": "involvedObject.resourceVersion",
  "regarding.fieldPath": "involvedObject.fieldPath",
  reason: "reason",
  reportingController: "reportingComponent",
  type: "type",
};

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

const set = (v: unknown) => v !== undefined && v !== null && v !== "" && v !== 0;
const text = (v: unknown) => (typeof v === "string" ? v : "");

/** ValidateEventCreate for a create through events.k8s.io/v1 (names as that version has them). */
export function validateEventsV1Create(e: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = e.metadata.namespace ?? "";
  const regarding = (e.regarding ?? {}) as { namespace?: string };
  if (!set(e.eventTime)) errs.push(required("eventTime", ""));
  else {
    if (!regarding.namespace && namespace !== "default" && namespace !== "kube-system") errs.push(invalidValue("involvedObject.namespace", regarding.namespace ?? "", "does not match event.namespace"));
    const controller = text(e.reportingController);
    if (!controller) errs.push(required("reportingController", ""));
    else for (const m of isQualifiedName(controller)) errs.push(invalidValue("reportingController", controller, m));
    const instance = text(e.reportingInstance);
    if (!instance) errs.push(required("reportingInstance", ""));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(invalidValue("reportingInstance", "", `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = text(e.action);
    if (!action) errs.push(required("action", ""));
    if (action.length > ACTION_LIMIT) errs.push(invalidValue("action", "", `can have at most ${ACTION_LIMIT} characters`));
    const reason = text(e.reason);
    if (!reason) errs.push(required("reason", ""));
    if (reason.length > REASON_LIMIT) errs.push(invalidValue("reason", "", `can have at most ${REASON_LIMIT} characters`));
    if (text(e.note).length > NOTE_LIMIT) errs.push(invalidValue("message", "", `can have at most ${NOTE_LIMIT} characters`));
  }
  const series = e.series as { count?: number; lastObservedTime?: string } | undefined;
  if (series) {
    if ((series.count ?? 0) < 2) errs.push(invalidValue("series.count", "", "should be at least 2"));
    if (!set(series.lastObservedTime)) errs.push(required("series.lastObservedTime", ""));
  }
  if (e.type !== "Normal" && e.type !== "Warning") errs.push(invalidValue("type", "", `has invalid value: ${text(e.type)}`));
  if (set(e.deprecatedFirstTimestamp)) errs.push(invalidValue("deprecatedFirstTimestamp", "", "needs to be unset"));
  if (set(e.deprecatedLastTimestamp)) errs.push(invalidValue("deprecatedLastTimestamp", "", "needs to be unset"));
  if (set(e.deprecatedCount)) errs.push(invalidValue("deprecatedCount", "", "needs to be unset"));
  const source = (e.deprecatedSource ?? {}) as { component?: string; host?: string };
  if (source.component || source.host) errs.push(invalidValue("deprecatedSource", "", "needs to be unset"));
  return errs;
}
