// Namespace, Node, Event, ServiceAccount and Lease validation: names and the few spec
// fields with rules of their own.
import type { Namespace, Node, Event } from "kubernetes-types/core/v1";
import type { Lease } from "kubernetes-types/coordination/v1";
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { invalidValue, notSupported } from "./field-errors.ts";
import { isQualifiedName } from "./names.ts";
import { labelName, validateMeta } from "./object-meta.ts";

export function validateNamespace(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, false, labelName);
  ((obj as unknown as Namespace).spec?.finalizers ?? []).forEach((f, i) => {
    for (const m of isQualifiedName(f)) errs.push(invalidValue(`spec.finalizers[${i}]`, f, m));
  });
  return errs;
}

const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateNode(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, false);
  ((obj as unknown as Node).spec?.taints ?? []).forEach((t, i) => {
    for (const m of isQualifiedName(t.key ?? "")) errs.push(invalidValue(`spec.taints[${i}].key`, t.key ?? "", m));
    if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`spec.taints[${i}].effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

export function validateEvent(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const e = obj as unknown as Event;
  const ns = e.involvedObject?.namespace;
  if (ns && e.metadata?.namespace && ns !== e.metadata.namespace) errs.push(invalidValue("involvedObject.namespace", ns, "does not match event.namespace"));
  return errs;
}

export function validateServiceAccount(obj: KubeObject, old?: KubeObject): FieldError[] {
  return validateMeta(obj, old, true);
}

export function validateLease(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const spec = (obj as unknown as Lease).spec;
  if (spec?.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) errs.push(invalidValue("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  if (spec?.leaseTransitions != null && spec.leaseTransitions < 0) errs.push(invalidValue("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  return errs;
}
