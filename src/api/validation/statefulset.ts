// StatefulSet validation (ValidateStatefulSet, ValidateStatefulSetUpdate).
import type { StatefulSet } from "kubernetes-types/apps/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { at, forbidden, invalidRendered, invalidValue, notSupported, required } from "./field-errors.ts";
import { goLabelSelector } from "./go-format.ts";
import { validateMeta } from "./object-meta.ts";
import { isDNS1123Subdomain } from "./names.ts";
import { deepEqual } from "./deep-equal.ts";
import { nonNegative, selectorImmutable, validateLabelSelector, validateTemplate } from "./apps.ts";

function validateUpdateStrategy(s: StatefulSet["spec"] & object): FieldError[] {
  const strategy = s.updateStrategy;
  const type = strategy?.type ?? "";
  const p = "spec.updateStrategy";
  if (type === "") return [required(p, "")];
  if (type === "OnDelete") return strategy?.rollingUpdate ? [invalidRendered(`${p}.rollingUpdate`, "&apps.RollingUpdateStatefulSetStrategy{...}", "only allowed for updateStrategy 'RollingUpdate'")] : [];
  if (type !== "RollingUpdate") return [invalidValue(`${p}.type`, type, "must be 'RollingUpdate' or 'OnDelete'")];
  return nonNegative(strategy?.rollingUpdate?.partition, `${p}.rollingUpdate.partition`);
}

function validateRetention(s: StatefulSet["spec"] & object): FieldError[] {
  const policy = s.persistentVolumeClaimRetentionPolicy ?? {};
  const errs: FieldError[] = [];
  for (const k of ["whenDeleted", "whenScaled"] as const) {
    const v = policy[k];
    if (v !== "Retain" && v !== "Delete") errs.push(notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v ?? "", ["Retain", "Delete"]));
  }
  return errs;
}

/** The template as its pods get it: each claim template is one more volume. */
function templateWithClaims(s: StatefulSet["spec"] & object) {
  const t = structuredClone(s.template);
  if (!t?.spec) return t;
  const volumes = (t.spec.volumes ?? []).filter((v) => !(s.volumeClaimTemplates ?? []).some((c) => c.metadata?.name === v.name));
  for (const c of s.volumeClaimTemplates ?? []) if (c.metadata?.name) volumes.push({ name: c.metadata.name, persistentVolumeClaim: { claimName: c.metadata.name } });
  (t.spec as { volumes?: unknown[] }).volumes = volumes;
  return t;
}

function validateClaimTemplates(s: StatefulSet["spec"] & object): FieldError[] {
  const errs: FieldError[] = [];
  (s.volumeClaimTemplates ?? []).forEach((c, i) => {
    const p = at("spec.volumeClaimTemplates", i);
    const name = c.metadata?.name;
    if (!name) errs.push(required(`${p}.metadata.name`, "name or generateName is required"));
    else for (const msg of isDNS1123Subdomain(name)) errs.push(invalidValue(`${p}.metadata.name`, name, msg));
    if (!c.spec?.accessModes?.length) errs.push(required(`${p}.spec.accessModes`, "at least 1 access mode is required"));
    if (!c.spec?.resources?.requests?.storage) errs.push(required(`${p}.spec.resources[storage]`));
  });
  return errs;
}

export function validateStatefulSet(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const spec = (obj as unknown as StatefulSet).spec;
  if (!spec?.selector) return [...errs, required("spec.selector"), ...(spec?.template ? [] : [required("spec.template")])];
  const policy = spec.podManagementPolicy ?? "";
  if (policy !== "OrderedReady" && policy !== "Parallel") errs.push(policy ? invalidValue("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'") : required("spec.podManagementPolicy", ""));
  errs.push(...validateUpdateStrategy(spec), ...validateRetention(spec));
  errs.push(...nonNegative(spec.replicas, "spec.replicas"), ...nonNegative(spec.minReadySeconds, "spec.minReadySeconds"), ...nonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  errs.push(...nonNegative(spec.ordinals?.start, "spec.ordinals.start"));
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  if (!Object.keys(spec.selector.matchLabels ?? {}).length && !(spec.selector.matchExpressions ?? []).length) {
    errs.push(invalidValue("spec.selector", goLabelSelector(spec.selector), "empty selector is invalid for statefulset"));
  }
  errs.push(...validateTemplate(templateWithClaims(spec), spec.selector, "spec.template", "StatefulSet"));
  errs.push(...validateClaimTemplates(spec));
  if (old) {
    errs.push(...selectorImmutable(obj, old));
    // Only these fields may change after creation (ValidateStatefulSetUpdate).
    const mutable = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds", "revisionHistoryLimit", "selector"];
    const rest = (o: KubeObject) => Object.fromEntries(Object.entries((o.spec ?? {}) as object).filter(([k]) => !mutable.includes(k)));
    if (!deepEqual(rest(obj), rest(old))) {
      errs.push(forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
  }
  return errs;
}
