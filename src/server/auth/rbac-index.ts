// The RBAC authorizer's view of roles and bindings: kept from the registry's change feed,
// with bindings indexed by subject (user, group, service account) so a decision reads only
// the bindings of the requester, never a scan of every binding in the cluster.
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import type { AuthorizationAttributes, UserInfo } from "../../api/http/types.ts";
import type { PolicyRule, RoleRef, Subject } from "../../api/validation/rbac.ts";
import { RBAC_GROUP } from "../../api/validation/rbac.ts";
import { CompiledRules } from "./rbac-rules.ts";

const ROLES = `${RBAC_GROUP}/roles`;
const CLUSTER_ROLES = `${RBAC_GROUP}/clusterroles`;
const ROLE_BINDINGS = `${RBAC_GROUP}/rolebindings`;
const CLUSTER_ROLE_BINDINGS = `${RBAC_GROUP}/clusterrolebindings`;
const RESOURCES = new Set([ROLES, CLUSTER_ROLES, ROLE_BINDINGS, CLUSTER_ROLE_BINDINGS]);

/** "u:NAME" for users and service accounts (system:serviceaccount:NS:NAME), "g:NAME" for groups. */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  if (!s?.name) return undefined;
  switch (s.kind) {
    case "User":
      return `u:${s.name}`;
    case "Group":
      return `g:${s.name}`;
    case "ServiceAccount":
      return `u:system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
  }
  return undefined;
}

export const userKeys = (user: Pick<UserInfo, "name" | "groups">): string[] => [`u:${user.name}`, ...user.groups.map((g) => `g:${g}`)];

type BindingEntry = { name: string; namespace: string; roleRef: RoleRef };
/** subject key → binding key → binding. */
type SubjectIndex = Map<string, Map<string, BindingEntry>>;

/** What a decision visited: a bound role that does not exist is reported as upstream does. */
export type RuleVisit = { allowed: boolean; missing: string[] };

export class RbacIndex {
  private readonly roleRules = new Map<string, CompiledRules>();
  private readonly clusterRoleRules = new Map<string, CompiledRules>();
  private readonly clusterBindings: SubjectIndex = new Map();
  /** namespace → subject index. */
  private readonly roleBindings = new Map<string, SubjectIndex>();
  /** A binding's resource/namespace/name → the subject keys it is indexed under. */
  private readonly indexedUnder = new Map<string, string[]>();
  private readonly unsubscribe: () => void;

  constructor(registry: Registry) {
    for (const resource of RESOURCES) {
      const [group, plural] = resource.split("/") as [string, string];
      const kind = registry.kind(group, "v1", plural);
      if (kind) for (const o of registry.list(kind, undefined).items) this.apply(resource, o, undefined);
    }
    this.unsubscribe = registry.subscribe((c) => {
      if (!RESOURCES.has(c.resource)) return;
      this.apply(c.resource, c.type === "DELETED" ? undefined : c.object, c.previous ?? (c.type === "DELETED" ? c.object : undefined));
    });
  }

  stop(): void {
    this.unsubscribe();
  }

  private apply(resource: string, obj: KubeObject | undefined, previous: KubeObject | undefined): void {
    const any = obj ?? previous;
    if (!any) return;
    const ns = any.metadata.namespace ?? "";
    const name = any.metadata.name!;
    switch (resource) {
      case ROLES:
        if (obj) this.roleRules.set(`${ns}/${name}`, new CompiledRules(rulesOf(obj)));
        else this.roleRules.delete(`${ns}/${name}`);
        return;
      case CLUSTER_ROLES:
        if (obj) this.clusterRoleRules.set(name, new CompiledRules(rulesOf(obj)));
        else this.clusterRoleRules.delete(name);
        return;
    }
    const index = resource === CLUSTER_ROLE_BINDINGS ? this.clusterBindings : this.namespaceIndex(ns);
    const key = `${ns}/${name}`;
    const indexedKey = `${resource}/${key}`;
    for (const k of this.indexedUnder.get(indexedKey) ?? []) {
      const m = index.get(k);
      m?.delete(key);
      if (m?.size === 0) index.delete(k);
    }
    this.indexedUnder.delete(indexedKey);
    if (!obj) return;
    const roleRef = (obj as { roleRef?: RoleRef }).roleRef ?? {};
    const keys: string[] = [];
    for (const s of subjectsOf(obj)) {
      const k = subjectKey(s, ns);
      if (!k) continue;
      let m = index.get(k);
      if (!m) index.set(k, (m = new Map()));
      m.set(key, { name, namespace: ns, roleRef });
      keys.push(k);
    }
    this.indexedUnder.set(indexedKey, keys);
  }

  private namespaceIndex(ns: string): SubjectIndex {
    let m = this.roleBindings.get(ns);
    if (!m) this.roleBindings.set(ns, (m = new Map()));
    return m;
  }

  /** The rules a binding's roleRef grants, or undefined when that role does not exist. */
  roleRefRules(ref: RoleRef, namespace: string): PolicyRule[] | undefined {
    return this.compiledRoleRef(ref, namespace)?.rules as PolicyRule[] | undefined;
  }

  private compiledRoleRef(ref: RoleRef, namespace: string): CompiledRules | undefined {
    if (ref.kind === "ClusterRole") return this.clusterRoleRules.get(ref.name ?? "");
    if (ref.kind === "Role") return this.roleRules.get(`${namespace}/${ref.name ?? ""}`);
    return undefined;
  }

  /**
   * Calls `visit` with the rules of each binding of the user: those of `namespace` first (a
   * namespaced request is most often allowed there), then cluster-wide ones. Stops when
   * `visit` returns true.
   */
  visitRules(user: Pick<UserInfo, "name" | "groups">, namespace: string, visit: (rules: CompiledRules) => boolean, missing?: string[]): boolean {
    const keys = userKeys(user);
    const scopes: [SubjectIndex | undefined, string][] = namespace ? [[this.roleBindings.get(namespace), namespace], [this.clusterBindings, ""]] : [[this.clusterBindings, ""]];
    for (const [index, ns] of scopes) {
      if (!index) continue;
      for (const k of keys) {
        const bindings = index.get(k);
        if (!bindings) continue;
        for (const b of bindings.values()) {
          const rules = this.compiledRoleRef(b.roleRef, ns);
          if (!rules) {
            missing?.push(`${b.roleRef.kind === "Role" ? "role" : "clusterrole"}.rbac.authorization.k8s.io ${JSON.stringify(b.roleRef.name ?? "")} not found`);
            continue;
          }
          if (visit(rules)) return true;
        }
      }
    }
    return false;
  }

  /** Whether some rule bound to the user allows the request (RBACAuthorizer.Authorize). */
  allows(user: Pick<UserInfo, "name" | "groups">, a: AuthorizationAttributes, missing?: string[]): boolean {
    return this.visitRules(user, a.namespace, (rules) => rules.allows(a), missing);
  }

  /** Every rule bound to the user in `namespace` (cluster-wide rules included): RulesFor. */
  rulesFor(user: Pick<UserInfo, "name" | "groups">, namespace: string): PolicyRule[] {
    const out: PolicyRule[] = [];
    this.visitRules(user, namespace, (compiled) => {
      out.push(...compiled.rules);
      return false;
    });
    return out;
  }
}

function rulesOf(o: KubeObject): PolicyRule[] {
  const rules = (o as { rules?: PolicyRule[] }).rules;
  return Array.isArray(rules) ? rules.filter((r) => r && typeof r === "object") : [];
}

function subjectsOf(o: KubeObject): Subject[] {
  const s = (o as { subjects?: Subject[] }).subjects;
  return Array.isArray(s) ? s : [];
}
