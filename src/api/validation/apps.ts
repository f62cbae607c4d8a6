// Deployment and ReplicaSet validation (pkg/apis/apps/validation).
import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1";
import type { PodTemplateSpec } from "kubernetes-types/core/v1";
import type { LabelSelector } from "kubernetes-types/meta/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { forbidden, invalidRendered, invalidValue, notSupported, required } from "./field-errors.ts";
import { goLabelSelector, goStringMap, type GoStruct } from "./go-format.ts";
import { validateAnnotations, validateLabels, validateMeta } from "./object-meta.ts";
import { validatePodSpec } from "./pod.ts";
import { deepEqual } from "./deep-equal.ts";
import { labelSelectorMatcher } from "../selectors/label-selector.ts";

const NEGATIVE = "must be greater than or equal to 0";

export function nonNegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value !== null && value < 0 ? [invalidValue(path, value, NEGATIVE)] : [];
}

/** metav1validation.ValidateLabelSelector. */
export function validateLabelSelector(sel: LabelSelector, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    if (e.operator === "In" || e.operator === "NotIn") {
      if (!(e.values ?? []).length) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === "Exists" || e.operator === "DoesNotExist") {
      if ((e.values ?? []).length) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else errs.push(invalidValue(`${p}.operator`, e.operator, "not a valid selector operator"));
    errs.push(...validateLabels({ [e.key]: "" }, `${p}.key`));
  });
  errs.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  return errs;
}

/** ValidatePodTemplateSpecForReplicaSet: labels match the selector, restartPolicy Always. */
export function validateTemplate(template: PodTemplateSpec | undefined, selector: LabelSelector, path: string, owner = "ReplicaSet"): FieldError[] {
  if (!template) return [required(path)];
  const errs: FieldError[] = [];
  const labels = template.metadata?.labels ?? {};
  if ((selector.matchLabels && Object.keys(selector.matchLabels).length) || (selector.matchExpressions ?? []).length) {
    let matches = false;
    try {
      matches = labelSelectorMatcher(selector as never)(labels);
    } catch {}
    if (!matches) errs.push(invalidRendered(`${path}.metadata.labels`, goStringMap(template.metadata?.labels), "`selector` does not match template `labels`"));
  }
  errs.push(...validateLabels(template.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  const rp = template.spec?.restartPolicy;
  if (template.spec && rp && rp !== "Always") errs.push(notSupported(`${path}.spec.restartPolicy`, rp, ["Always"]));
  if (template.spec?.activeDeadlineSeconds != null) errs.push(invalidValue(`${path}.spec.activeDeadlineSeconds`, template.spec.activeDeadlineSeconds, `activeDeadlineSeconds in ${owner} is not Supported`));
  return errs;
}

function validateSelectorAndTemplate(spec: { selector?: LabelSelector; template?: PodTemplateSpec }): FieldError[] {
  if (!spec.selector) return [required("spec.selector"), ...(spec.template ? [] : [required("spec.template")])];
  const errs = validateLabelSelector(spec.selector, "spec.selector");
  const sel = spec.selector;
  if (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length) {
    errs.push(invalidValue("spec.selector", goLabelSelector(sel), "empty selector is invalid for deployment"));
  }
  errs.push(...validateTemplate(spec.template, sel, "spec.template"));
  return errs;
}

/** An IntOrString as `%#v` prints it (the pointer's String method is not used). */
export const goIntOrString = (v: number | string | undefined): GoStruct => ({
  goType: "intstr.IntOrString",
  fields: [
    ["Type", 0, typeof v === "string" ? "1" : "0"],
    ["IntVal", 0, typeof v === "number" ? String(v) : "0"],
    ["StrVal", "", JSON.stringify(typeof v === "string" ? v : "")],
  ],
});

export function intOrPercent(v: number | string | undefined, path: string): FieldError[] {
  if (typeof v === "string") {
    if (!/^[0-9]+%$/.test(v)) return [invalidValue(path, goIntOrString(v), "must be an integer or percentage (e.g '5%')")];
    return [];
  }
  return nonNegative(v, path);
}

export const percentOrInt = (v: number | string | undefined) => (typeof v === "string" ? (/^[0-9]+%$/.test(v) ? Number(v.slice(0, -1)) : -1) : (v ?? 0));

function validateStrategy(d: Deployment): FieldError[] {
  const s = d.spec?.strategy;
  const errs: FieldError[] = [];
  const type = s?.type ?? "";
  if (type === "Recreate") {
    if (s?.rollingUpdate) errs.push(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === "RollingUpdate") {
    const ru = s?.rollingUpdate;
    if (!ru) errs.push(required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
    else {
      const p = "spec.strategy.rollingUpdate";
      errs.push(...intOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...intOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (percentOrInt(ru.maxUnavailable) === 0 && percentOrInt(ru.maxSurge) === 0) {
        errs.push(invalidValue(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0"));
      }
      if (typeof ru.maxUnavailable === "string" && percentOrInt(ru.maxUnavailable) > 100) errs.push(invalidValue(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), "must not be greater than 100%"));
    }
  } else errs.push(notSupported("spec.strategy.type", type, ["Recreate", "RollingUpdate"]));
  return errs;
}

export function selectorImmutable(obj: KubeObject, old: KubeObject | undefined): FieldError[] {
  if (!old) return [];
  const sel = (obj.spec as { selector?: LabelSelector } | undefined)?.selector;
  const oldSel = (old.spec as { selector?: LabelSelector } | undefined)?.selector;
  return deepEqual(sel, oldSel) ? [] : [invalidValue("spec.selector", goLabelSelector(sel), "field is immutable")];
}

export function validateDeployment(obj: KubeObject, old?: KubeObject): FieldError[] {
  const d = obj as unknown as Deployment;
  const errs = validateMeta(obj, old, true);
  const spec = d.spec;
  if (!spec) return [...errs, required("spec.selector"), required("spec.template")];
  errs.push(...nonNegative(spec.replicas, "spec.replicas"));
  errs.push(...validateSelectorAndTemplate(spec));
  errs.push(...validateStrategy(d));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (spec.progressDeadlineSeconds != null) {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) errs.push(invalidValue("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
  }
  errs.push(...selectorImmutable(obj, old));
  return errs;
}

export function validateReplicaSet(obj: KubeObject, old?: KubeObject): FieldError[] {
  const rs = obj as unknown as ReplicaSet;
  const errs = validateMeta(obj, old, true);
  const spec = rs.spec;
  if (!spec) return [...errs, required("spec.selector")];
  errs.push(...nonNegative(spec.replicas, "spec.replicas"));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateSelectorAndTemplate(spec));
  errs.push(...selectorImmutable(obj, old));
  return errs;
}
