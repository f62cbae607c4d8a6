// autoscaling/v2 HorizontalPodAutoscaler validation, worded as upstream's
// pkg/apis/autoscaling/validation: replica bounds, the target reference, each metric's
// source and target, and the behavior's policies and windows.
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { invalidValue, notSupported, required } from "./field-errors.ts";
import { validateMeta } from "./object-meta.ts";
import { parseQuantity } from "../quantity.ts";

const METRIC_TYPES = ["ContainerResource", "External", "Object", "Pods", "Resource"];
const SOURCE_FIELD: Record<string, string> = { Resource: "resource", ContainerResource: "containerResource", Pods: "pods", Object: "object", External: "external" };
const TARGET_TYPES = ["AverageValue", "Utilization", "Value"];

type Target = { type?: string; averageUtilization?: number; averageValue?: unknown; value?: unknown };

function validateTarget(t: Target | undefined, path: string, resource: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!t) return [required(path, "must specify a metric target")];
  if (!t.type) errs.push(required(`${path}.type`, "must specify a metric target type"));
  else if (!TARGET_TYPES.includes(t.type)) errs.push(notSupported(`${path}.type`, t.type, TARGET_TYPES));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1) errs.push(invalidValue(`${path}.averageUtilization`, t.averageUtilization, "must be greater than 0"));
  for (const f of ["averageValue", "value"] as const) {
    if (t[f] === undefined) continue;
    const q = parseQuantity(t[f]);
    if (!q || q.milli <= 0n) errs.push(invalidValue(`${path}.${f}`, t[f], "must be positive"));
  }
  if (resource) {
    if (t.averageUtilization === undefined && t.averageValue === undefined) errs.push(required(`${path}.averageUtilization`, "must set either a target raw value or a target utilization"));
    if (t.averageUtilization !== undefined && t.averageValue !== undefined) errs.push(invalidValue(`${path}.averageValue`, t.averageValue, "may not set both a target raw value and a target utilization"));
  }
  if (t.type === "Utilization" && t.averageUtilization === undefined) errs.push(required(`${path}.averageUtilization`, "must set averageUtilization when metric type is Utilization"));
  if (t.type === "AverageValue" && t.averageValue === undefined) errs.push(required(`${path}.averageValue`, "must set averageValue when metric type is AverageValue"));
  return errs;
}

function validateMetric(m: any, path: string): FieldError[] {
  if (!m?.type) return [required(`${path}.type`, "must specify a metric source type")];
  if (!METRIC_TYPES.includes(m.type)) return [notSupported(`${path}.type`, m.type, METRIC_TYPES)];
  const field = SOURCE_FIELD[m.type]!;
  const src = m[field];
  if (!src) return [required(`${path}.${field}`, "must populate information for the given metric source")];
  const errs: FieldError[] = [];
  const resource = m.type === "Resource" || m.type === "ContainerResource";
  if (resource && !src.name) errs.push(required(`${path}.${field}.name`, "must specify a resource name"));
  if (m.type === "ContainerResource" && !src.container) errs.push(required(`${path}.${field}.container`, "must specify a container"));
  errs.push(...validateTarget(src.target, `${path}.${field}.target`, resource));
  return errs;
}

function validateRules(r: any, path: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && w < 0) errs.push(invalidValue(`${path}.stabilizationWindowSeconds`, w, "must be greater than or equal to zero"));
  if (w !== undefined && w > 3600) errs.push(invalidValue(`${path}.stabilizationWindowSeconds`, w, "must be less than or equal to 3600"));
  if (r.selectPolicy !== undefined && !["Disabled", "Max", "Min"].includes(r.selectPolicy)) errs.push(notSupported(`${path}.selectPolicy`, r.selectPolicy, ["Disabled", "Max", "Min"]));
  if (!Array.isArray(r.policies) || r.policies.length === 0) errs.push(required(`${path}.policies`, "must specify at least one Policy"));
  (r.policies ?? []).forEach((p: any, i: number) => {
    const pp = `${path}.policies[${i}]`;
    if (!["Percent", "Pods"].includes(p?.type)) errs.push(notSupported(`${pp}.type`, p?.type ?? "", ["Percent", "Pods"]));
    if (!(p?.value > 0)) errs.push(invalidValue(`${pp}.value`, p?.value ?? 0, "must be greater than zero"));
    if (!(p?.periodSeconds > 0)) errs.push(invalidValue(`${pp}.periodSeconds`, p?.periodSeconds ?? 0, "must be greater than zero"));
    else if (p.periodSeconds > 1800) errs.push(invalidValue(`${pp}.periodSeconds`, p.periodSeconds, "must be less than or equal to 1800"));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const spec = (obj.spec ?? {}) as any;
  const ref = spec.scaleTargetRef ?? {};
  if (!ref.kind) errs.push(required("spec.scaleTargetRef.kind"));
  if (!ref.name) errs.push(required("spec.scaleTargetRef.name"));
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) errs.push(invalidValue("spec.minReplicas", spec.minReplicas, "must be greater than or equal to 1"));
  if (!(spec.maxReplicas >= 1)) errs.push(invalidValue("spec.maxReplicas", spec.maxReplicas ?? 0, "must be greater than 0"));
  else if (spec.minReplicas !== undefined && spec.minReplicas > spec.maxReplicas) errs.push(invalidValue("spec.maxReplicas", spec.maxReplicas, "must be greater than or equal to `minReplicas`"));
  (spec.metrics ?? []).forEach((m: unknown, i: number) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  errs.push(...validateRules(spec.behavior?.scaleUp, "spec.behavior.scaleUp"), ...validateRules(spec.behavior?.scaleDown, "spec.behavior.scaleDown"));
  return errs;
}
