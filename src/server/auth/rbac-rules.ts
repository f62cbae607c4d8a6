// RBAC policy rules as upstream evaluates them (plugin/pkg/auth/authorizer/rbac and
// pkg/registry/rbac/validation): whether a rule allows a request, and whether a set of
// rules covers another (escalation prevention), with upstream's compact descriptions of
// what is missing.
import type { AuthorizationAttributes } from "../../api/http/types.ts";
import type { PolicyRule } from "../../api/validation/rbac.ts";

export type { PolicyRule };

const has = (list: string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));

/** Whether one rule allows the request (RuleAllows). */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule.nonResourceURLs, a.path);
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  if (!resourceMatches(rule.resources, a.resource, a.subresource)) return false;
  return !rule.resourceNames?.length || rule.resourceNames.includes(a.name);
}

export function rulesAllow(a: AuthorizationAttributes, rules: readonly PolicyRule[]): boolean {
  for (const r of rules) if (ruleAllows(a, r)) return true;
  return false;
}

/** "*" matches every resource and subresource; "pods/log" one subresource; "*\/scale" a subresource of any resource. */
function resourceMatches(resources: string[] | undefined, resource: string, subresource: string): boolean {
  if (!resources) return false;
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of resources) {
    if (r === "*" || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** "/healthz" exactly, or a prefix ending in "*" ("/apis/*"), or "*". */
function nonResourceURLMatches(urls: string[] | undefined, path: string): boolean {
  if (!urls) return false;
  for (const u of urls) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** One verb on one group/resource(/name), or one verb on one URL (BreakdownRule). */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: [verb] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

/** Whether an owner rule covers a broken-down rule (ruleCovers). */
function ruleCovers(owner: PolicyRule, r: PolicyRule): boolean {
  const allIn = (own: string[] | undefined, req: string[] | undefined) => (req ?? []).every((v) => has(own, v));
  if (!allIn(owner.verbs, r.verbs)) return false;
  if (r.nonResourceURLs?.length) return r.nonResourceURLs.every((u) => nonResourceURLMatches(owner.nonResourceURLs, u));
  if (!allIn(owner.apiGroups, r.apiGroups)) return false;
  for (const res of r.resources ?? []) {
    const [resource, sub = ""] = splitResource(res);
    if (!(owner.resources ?? []).some((o) => o === "*" || o === res || (sub && o === `*/${sub}`) || (resource === "*" && o === "*"))) return false;
  }
  if (!owner.resourceNames?.length) return true;
  return !!r.resourceNames?.length && r.resourceNames.every((n) => owner.resourceNames!.includes(n));
}

const splitResource = (r: string): [string, string?] => {
  const i = r.indexOf("/");
  return i < 0 ? [r] : [r.slice(0, i), r.slice(i + 1)];
};

/** Whether `owner` rules cover every rule of `requested`; the uncovered atoms otherwise (Covers). */
export function covers(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): { ok: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const rule of requested) for (const atom of breakdown(rule)) if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
  return { ok: missing.length === 0, missing };
}

/** Rules for one group and resource (and at most one name) merged into one rule with all their verbs (CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const simple = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const isSimple = r.apiGroups?.length === 1 && r.resources?.length === 1 && (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? []]);
    const seen = simple.get(key);
    if (seen) seen.verbs = [...(seen.verbs ?? []), ...(r.verbs ?? [])];
    else simple.set(key, { ...r, verbs: [...(r.verbs ?? [])] });
  }
  return [...out, ...simple.values()];
}

const goQuoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;

/** `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}` (rbacv1helpers.CompactString). */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}

/** The escalation message of ConfirmNoEscalation, or undefined when the owner holds every requested rule. */
export function escalationMessage(user: { name: string; groups: string[] }, owner: readonly PolicyRule[], requested: readonly PolicyRule[]): string | undefined {
  const { ok, missing } = covers(owner, requested);
  if (ok) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  return `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
}

type Grant = { verbs: ReadonlySet<string>; names?: ReadonlySet<string> };

/**
 * A role's rules compiled for lookups: resource rules by API group and resource (as written:
 * "pods", "pods/log", "*", "*\/scale"), so a decision is a few map lookups rather than a walk
 * over every rule's lists. Allows exactly what ruleAllows over the same rules allows.
 */
export class CompiledRules {
  private readonly byGroup = new Map<string, Map<string, Grant[]>>();
  private readonly nonResource: PolicyRule[] = [];

  constructor(readonly rules: readonly PolicyRule[]) {
    for (const r of rules) {
      if (!r.verbs?.length) continue;
      if (r.nonResourceURLs?.length) this.nonResource.push(r);
      if (!r.apiGroups?.length || !r.resources?.length) continue;
      const grant: Grant = { verbs: new Set(r.verbs), ...(r.resourceNames?.length ? { names: new Set(r.resourceNames) } : {}) };
      for (const g of r.apiGroups) {
        let byResource = this.byGroup.get(g);
        if (!byResource) this.byGroup.set(g, (byResource = new Map()));
        for (const res of r.resources) {
          const list = byResource.get(res);
          if (list) list.push(grant);
          else byResource.set(res, [grant]);
        }
      }
    }
  }

  allows(a: AuthorizationAttributes): boolean {
    if (!a.resourceRequest) {
      for (const r of this.nonResource) if (ruleAllows(a, r)) return true;
      return false;
    }
    return this.inGroup(this.byGroup.get(a.apiGroup), a) || this.inGroup(this.byGroup.get("*"), a);
  }

  private inGroup(byResource: Map<string, Grant[]> | undefined, a: AuthorizationAttributes): boolean {
    if (!byResource) return false;
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return grants(byResource.get(combined), a) || grants(byResource.get("*"), a) || (!!a.subresource && grants(byResource.get(`*/${a.subresource}`), a));
  }
}

function grants(list: Grant[] | undefined, a: AuthorizationAttributes): boolean {
  if (!list) return false;
  for (const g of list) if ((g.verbs.has(a.verb) || g.verbs.has("*")) && (!g.names || g.names.has(a.name))) return true;
  return false;
}
