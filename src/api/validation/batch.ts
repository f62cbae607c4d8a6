// Job and CronJob validation (pkg/apis/batch/validation), the checks users meet in practice.
import type { CronJob, Job, JobSpec } from "kubernetes-types/batch/v1";
import type { PodTemplateSpec } from "kubernetes-types/core/v1";
import type { LabelSelector } from "kubernetes-types/meta/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { forbidden, invalidRendered, invalidValue, notSupported, required } from "./field-errors.ts";
import { goStringMap } from "./go-format.ts";
import { validateAnnotations, validateLabels, validateMeta } from "./object-meta.ts";
import { validatePodSpec } from "./pod.ts";
import { deepEqual } from "./deep-equal.ts";
import { labelSelectorMatcher } from "../selectors/label-selector.ts";
import { nonNegative, validateLabelSelector } from "./apps.ts";
import { parseSchedule } from "../cron-schedule.ts";

const positive = (v: number | undefined, path: string): FieldError[] => (v != null && v <= 0 ? [invalidValue(path, v, "must be greater than 0")] : []);

function validatePodTemplate(template: PodTemplateSpec | undefined, selector: LabelSelector | undefined, path: string): FieldError[] {
  if (!template) return [required(path)];
  const errs: FieldError[] = [];
  if (selector) {
    let matches = false;
    try {
      matches = labelSelectorMatcher(selector as never)(template.metadata?.labels ?? {});
    } catch {}
    if (!matches) errs.push(invalidRendered(`${path}.metadata.labels`, goStringMap(template.metadata?.labels), "`selector` does not match template `labels`"));
  }
  errs.push(...validateLabels(template.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  const rp = template.spec?.restartPolicy;
  if (template.spec && rp !== "OnFailure" && rp !== "Never") errs.push(rp ? notSupported(`${path}.spec.restartPolicy`, rp, ["OnFailure", "Never"]) : required(`${path}.spec.restartPolicy`));
  return errs;
}

/** A JobSpec, at `path` ("spec" of a Job, "spec.jobTemplate.spec" of a CronJob, where the selector is generated later). */
export function validateJobSpec(spec: JobSpec, path: string, selectorRequired: boolean): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.parallelism, `${path}.parallelism`));
  errs.push(...nonNegative(spec.completions, `${path}.completions`));
  errs.push(...nonNegative(spec.backoffLimit, `${path}.backoffLimit`));
  errs.push(...positive(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`));
  errs.push(...nonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`));
  if (spec.completionMode && spec.completionMode !== "NonIndexed" && spec.completionMode !== "Indexed") errs.push(notSupported(`${path}.completionMode`, spec.completionMode, ["NonIndexed", "Indexed"]));
  if (spec.completionMode === "Indexed" && spec.completions == null) errs.push(required(`${path}.completions`, "when completion mode is Indexed"));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  else if (selectorRequired) errs.push(required(`${path}.selector`));
  errs.push(...validatePodTemplate(spec.template, spec.selector, `${path}.template`));
  spec.podFailurePolicy?.rules?.forEach((rule, i) => {
    const at = `${path}.podFailurePolicy.rules[${i}]`;
    if (!["FailJob", "FailIndex", "Ignore", "Count"].includes(rule.action)) errs.push(notSupported(`${at}.action`, rule.action, ["Count", "FailIndex", "FailJob", "Ignore"]));
    if (!!rule.onExitCodes === !!rule.onPodConditions?.length) errs.push(invalidValue(at, "", "specifying one of OnExitCodes and OnPodConditions is required"));
    if (rule.onExitCodes && !["In", "NotIn"].includes(rule.onExitCodes.operator)) errs.push(notSupported(`${at}.onExitCodes.operator`, rule.onExitCodes.operator, ["In", "NotIn"]));
  });
  if (spec.podFailurePolicy && spec.template?.spec?.restartPolicy !== "Never") {
    errs.push(invalidValue(`${path}.template.spec.restartPolicy`, spec.template?.spec?.restartPolicy ?? "", "only \"Never\" is supported when podFailurePolicy is specified"));
  }
  return errs;
}

export function validateJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const job = obj as unknown as Job;
  const errs = validateMeta(obj, old, true);
  if (!job.spec) return [...errs, required("spec.template")];
  errs.push(...validateJobSpec(job.spec, "spec", true));
  const was = (old as unknown as Job | undefined)?.spec;
  if (was) {
    // Fields fixed at creation; parallelism, suspend, activeDeadlineSeconds and ttl may change.
    for (const f of ["selector", "completionMode", "podFailurePolicy", "completions"] as const) {
      if (!deepEqual(job.spec[f], was[f])) errs.push(invalidValue(`spec.${f}`, typeof job.spec[f] === "object" ? "" : job.spec[f] ?? "", "field is immutable"));
    }
    if (!deepEqual(job.spec.template, was.template) && !was.suspend) errs.push(invalidRendered("spec.template", "core.PodTemplateSpec{...}", "field is immutable"));
  }
  return errs;
}

export function validateCronJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const cj = obj as unknown as CronJob;
  const errs = validateMeta(obj, old, true);
  if ((obj.metadata.name ?? "").length > 52) errs.push(invalidValue("metadata.name", obj.metadata.name, "must be no more than 52 characters"));
  const spec = cj.spec;
  if (!spec) return [...errs, required("spec.schedule"), required("spec.jobTemplate")];
  if (!spec.schedule) errs.push(required("spec.schedule"));
  else if (/\b(CRON_)?TZ=/.test(spec.schedule)) errs.push(invalidValue("spec.schedule", spec.schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  else {
    const problem = parseSchedule(spec.schedule, spec.timeZone ?? undefined).error;
    if (problem) errs.push(invalidValue(problem.startsWith("unknown time zone") ? "spec.timeZone" : "spec.schedule", problem.startsWith("unknown time zone") ? spec.timeZone : spec.schedule, problem));
  }
  if (spec.concurrencyPolicy && !["Allow", "Forbid", "Replace"].includes(spec.concurrencyPolicy)) errs.push(notSupported("spec.concurrencyPolicy", spec.concurrencyPolicy, ["Allow", "Forbid", "Replace"]));
  errs.push(...nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  if (!spec.jobTemplate) errs.push(required("spec.jobTemplate"));
  else errs.push(...validateJobSpec(spec.jobTemplate.spec ?? ({} as JobSpec), "spec.jobTemplate.spec", false));
  if (spec.jobTemplate?.spec?.selector && !spec.jobTemplate.spec.manualSelector) errs.push(forbidden("spec.jobTemplate.spec.selector", "`selector` will be auto-generated"));
  return errs;
}
