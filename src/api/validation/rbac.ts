// Role, ClusterRole, RoleBinding and ClusterRoleBinding validation and defaults, worded as
// upstream's pkg/apis/rbac/validation and rbac/v1 defaulters.
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { invalidValue, notSupported, required } from "./field-errors.ts";
import { validateMeta, prefixedCheck } from "./object-meta.ts";
import { isDNS1123Subdomain, isValidPathSegmentName } from "./names.ts";
import { validateLabelSelector } from "./apps.ts";
import type { GoStruct } from "./go-format.ts";

export const RBAC_GROUP = "rbac.authorization.k8s.io";

export type PolicyRule = { verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };
export type RoleRef = { apiGroup?: string; kind?: string; name?: string };
export type Subject = { kind?: string; apiGroup?: string; name?: string; namespace?: string };

/** ValidateRBACName: any name that is a valid path segment ("system:discovery" included). */
const rbacName = prefixedCheck(isValidPathSegmentName);

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(required(`${path}.verbs`, "verbs must contain at least one value"));
  if (rule.nonResourceURLs?.length) {
    if (namespaced) errs.push(invalidValue(`${path}.nonResourceURLs`, rule.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs"));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(invalidValue(`${path}.nonResourceURLs`, rule.nonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if (!rule.resources?.length) errs.push(required(`${path}.resources`, "resource rules must supply at least one resource"));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  const rules = (obj as { rules?: PolicyRule[] }).rules ?? [];
  return rules.flatMap((r, i) => validatePolicyRule(r ?? {}, namespaced, `rules[${i}]`));
}

export function validateRole(obj: KubeObject, old?: KubeObject): FieldError[] {
  return [...validateMeta(obj, old, true, rbacName), ...validateRules(obj, true)];
}

export function validateClusterRole(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = [...validateMeta(obj, old, false, rbacName), ...validateRules(obj, false)];
  const agg = (obj as { aggregationRule?: { clusterRoleSelectors?: unknown[] } }).aggregationRule;
  if (agg) {
    if (!agg.clusterRoleSelectors?.length) errs.push(required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
    (agg.clusterRoleSelectors ?? []).forEach((s, i) => errs.push(...validateLabelSelector((s ?? {}) as never, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(`${path}.name`, ""));
  switch (s.kind) {
    case "ServiceAccount":
      if (s.name) for (const m of isDNS1123Subdomain(s.name)) errs.push(invalidValue(`${path}.name`, s.name, m));
      if (s.apiGroup) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !s.namespace) errs.push(required(`${path}.namespace`, ""));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(`${path}.apiGroup`, s.apiGroup ?? "", [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${path}.kind`, s.kind ?? "", ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

const goRoleRef = (r: RoleRef): GoStruct => ({
  goType: "rbac.RoleRef",
  fields: [
    ["APIGroup", r.apiGroup, JSON.stringify(r.apiGroup ?? "")],
    ["Kind", r.kind, JSON.stringify(r.kind ?? "")],
    ["Name", r.name, JSON.stringify(r.name ?? "")],
  ],
});

function validateBinding(obj: KubeObject, old: KubeObject | undefined, namespaced: boolean): FieldError[] {
  const errs = validateMeta(obj, old, namespaced, rbacName);
  const b = obj as { roleRef?: RoleRef; subjects?: Subject[] };
  const ref = b.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(ref.kind ?? "")) errs.push(notSupported("roleRef.kind", ref.kind ?? "", kinds));
  if (!ref.name) errs.push(required("roleRef.name", ""));
  else for (const m of isValidPathSegmentName(ref.name)) errs.push(invalidValue("roleRef.name", ref.name, m));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s ?? {}, namespaced, `subjects[${i}]`)));
  if (old) {
    const was = (old as { roleRef?: RoleRef }).roleRef ?? {};
    if (was.apiGroup !== ref.apiGroup || was.kind !== ref.kind || was.name !== ref.name) errs.push(invalidValue("roleRef", goRoleRef(ref), "cannot change roleRef"));
  }
  return errs;
}

export const validateRoleBinding = (obj: KubeObject, old?: KubeObject) => validateBinding(obj, old, true);
export const validateClusterRoleBinding = (obj: KubeObject, old?: KubeObject) => validateBinding(obj, old, false);

/** SetDefaults_RoleBinding/ClusterRoleBinding and SetDefaults_Subject. */
export function defaultBinding(obj: KubeObject): void {
  const b = obj as { roleRef?: RoleRef; subjects?: Subject[] };
  if (b.roleRef && typeof b.roleRef === "object" && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
    if (s && typeof s === "object" && !s.apiGroup && (s.kind === "User" || s.kind === "Group")) s.apiGroup = RBAC_GROUP;
  }
}
