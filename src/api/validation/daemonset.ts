// DaemonSet and ControllerRevision validation (ValidateDaemonSet, ValidateControllerRevision).
import type { DaemonSet } from "kubernetes-types/apps/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { invalidValue, notSupported, required } from "./field-errors.ts";
import { goLabelSelector } from "./go-format.ts";
import { validateMeta } from "./object-meta.ts";
import { goIntOrString, intOrPercent, nonNegative, percentOrInt, selectorImmutable, validateLabelSelector, validateTemplate } from "./apps.ts";

function validateUpdateStrategy(ds: DaemonSet): FieldError[] {
  const s = ds.spec?.updateStrategy;
  const type = s?.type ?? "";
  if (type === "OnDelete") return [];
  if (type !== "RollingUpdate") return [notSupported("spec.updateStrategy.type", type, ["OnDelete", "RollingUpdate"])];
  const ru = s?.rollingUpdate;
  const p = "spec.updateStrategy.rollingUpdate";
  if (!ru) return [required(p)];
  const errs = [...intOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...intOrPercent(ru.maxSurge, `${p}.maxSurge`)];
  if (percentOrInt(ru.maxUnavailable) === 0 && percentOrInt(ru.maxSurge) === 0) errs.push(invalidValue(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0"));
  for (const [name, v] of [["maxUnavailable", ru.maxUnavailable], ["maxSurge", ru.maxSurge]] as const) {
    if (typeof v === "string" && percentOrInt(v) > 100) errs.push(invalidValue(`${p}.${name}`, goIntOrString(v), "must not be greater than 100%"));
  }
  return errs;
}

export function validateDaemonSet(obj: KubeObject, old?: KubeObject): FieldError[] {
  const ds = obj as unknown as DaemonSet;
  const errs = validateMeta(obj, old, true);
  const spec = ds.spec;
  if (!spec?.selector) return [...errs, required("spec.selector"), ...(spec?.template ? [] : [required("spec.template")])];
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  if (!Object.keys(spec.selector.matchLabels ?? {}).length && !(spec.selector.matchExpressions ?? []).length) {
    errs.push(invalidValue("spec.selector", goLabelSelector(spec.selector), "empty selector is invalid for daemonset"));
  }
  errs.push(...validateTemplate(spec.template, spec.selector, "spec.template", "DaemonSet"));
  errs.push(...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  errs.push(...validateUpdateStrategy(ds));
  errs.push(...selectorImmutable(obj, old));
  return errs;
}

export function validateControllerRevision(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const revision = (obj as { revision?: number }).revision;
  errs.push(...nonNegative(revision, "revision"));
  // The data is immutable once written (ValidateControllerRevisionUpdate).
  if (old && JSON.stringify((obj as { data?: unknown }).data ?? null) !== JSON.stringify((old as { data?: unknown }).data ?? null)) errs.push(invalidValue("data", "", "field is immutable"));
  return errs;
}
