// ObjectMeta checks every kind shares (ValidateObjectMeta / ValidateObjectMetaUpdate).
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { invalidValue, required, tooLong, forbidden } from "./field-errors.ts";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "./names.ts";

export type NameCheck = (name: string, prefix: boolean) => string[];

/** Names that may be generated: a generateName prefix is checked without its trailing "-". */
export const prefixedCheck = (check: (s: string) => string[]): NameCheck => (name, prefix) => check(prefix ? maskTrailingDash(name) : name);
const maskTrailingDash = (name: string) => (name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name);

export const subdomainName = prefixedCheck(isDNS1123Subdomain);
export const labelName = prefixedCheck(isDNS1123Label);

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) errs.push(invalidValue(path, k, m));
    for (const m of isValidLabelValue(v)) errs.push(invalidValue(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(path, k, m));
    size += Buffer.byteLength(k) + Buffer.byteLength(v ?? "");
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export function validateObjectMeta(obj: KubeObject, namespaced: boolean, nameCheck: NameCheck, path = "metadata"): FieldError[] {
  const m = obj.metadata ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) for (const msg of nameCheck(m.generateName, true)) errs.push(invalidValue(`${path}.generateName`, m.generateName, msg));
  if (!m.name) errs.push(required(`${path}.name`, "name or generateName is required"));
  else for (const msg of nameCheck(m.name, false)) errs.push(invalidValue(`${path}.name`, m.name, msg));
  if (namespaced) {
    if (!m.namespace) errs.push(required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(invalidValue(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) errs.push(forbidden(`${path}.namespace`, "not allowed on this type"));
  if ((m.generation ?? 0) < 0) errs.push(invalidValue(`${path}.generation`, m.generation, "must be greater than or equal to 0"));
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  const owners = m.ownerReferences ?? [];
  owners.forEach((o, i) => {
    const p = `${path}.ownerReferences[${i}]`;
    if (!o.apiVersion) errs.push(invalidValue(`${p}.apiVersion`, o.apiVersion ?? "", "version must not be empty"));
    if (!o.kind) errs.push(invalidValue(`${p}.kind`, o.kind ?? "", "kind must not be empty"));
    if (!o.name) errs.push(invalidValue(`${p}.name`, o.name ?? "", "name must not be empty"));
    if (!o.uid) errs.push(invalidValue(`${p}.uid`, o.uid ?? "", "uid must not be empty"));
  });
  if (owners.filter((o) => o.controller).length > 1) {
    errs.push(invalidValue(`${path}.ownerReferences`, owners.filter((o) => o.controller).map((o) => o.name ?? ""), "Only one reference can have Controller set to true"));
  }
  const finalizers = m.finalizers ?? [];
  finalizers.forEach((f, i) => {
    for (const msg of isQualifiedName(f)) errs.push(invalidValue(`${path}.finalizers[${i}]`, f, msg));
  });
  return errs;
}

/** Name and namespace are immutable on update. */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject, path = "metadata"): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.metadata.name !== old.metadata.name) errs.push(invalidValue(`${path}.name`, obj.metadata.name ?? "", "field is immutable"));
  if ((obj.metadata.namespace ?? "") !== (old.metadata.namespace ?? "")) errs.push(invalidValue(`${path}.namespace`, obj.metadata.namespace ?? "", "field is immutable"));
  return errs;
}

/** ObjectMeta checks for a create, or for an update when `old` is given. */
export function validateMeta(obj: KubeObject, old: KubeObject | undefined, namespaced: boolean, nameCheck: NameCheck = subdomainName): FieldError[] {
  const errs = validateObjectMeta(obj, namespaced, nameCheck);
  if (old) errs.push(...validateObjectMetaUpdate(obj, old));
  return errs;
}
