// RBAC escalation prevention, as upstream's policy-based role and binding storage: a user
// writes a Role or ClusterRole only with rules it holds itself (or with the `escalate` verb on
// it), sets an aggregationRule only with cluster-admin's rights, and binds a role only when
// it holds all of that role's rules (or has the `bind` verb on it). Checked inside the write,
// for creates, updates and every patch type alike; the server's own writes are not requests
// and pass.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { notFound } from "../../api/errors.ts";
import { deepEqual } from "../../api/validation/deep-equal.ts";
import { RBAC_GROUP, type PolicyRule, type RoleRef } from "../../api/validation/rbac.ts";
import { forbiddenObject } from "../quota/admission.ts";
import { PRIVILEGED_GROUP, type Authorizer } from "./authorizer.ts";
import { escalationMessage } from "./rbac-rules.ts";

const FULL_AUTHORITY: PolicyRule[] = [
  { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
  { nonResourceURLs: ["*"], verbs: ["*"] },
];

type Requester = { name: string; groups: string[]; node?: string };

export function installEscalationCheck(registry: Registry, authz: Authorizer): void {
  const may = (user: Requester, verb: string, resource: string, namespace: string, name: string) =>
    authz.decide(user, { verb, resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: "v1", resource, subresource: "", namespace, name, path: "" }).allowed;

  registry.addAdmission((_op, kind, next, old, opts) => {
    const user = opts?.requester;
    if (!user || kind.group !== RBAC_GROUP || user.groups.includes(PRIVILEGED_GROUP)) return;
    const namespace = kind.namespaced ? (next.metadata.namespace ?? "") : "";
    const name = next.metadata.name ?? "";
    if (kind.plural === "roles" || kind.plural === "clusterroles") checkRole(user, kind, next, old, namespace, name);
    else if (kind.plural === "rolebindings" || kind.plural === "clusterrolebindings") checkBinding(user, kind, next, namespace, name);
  });

  function checkRole(user: Requester, kind: KindDef, next: KubeObject, old: KubeObject | undefined, namespace: string, name: string) {
    const rules = (next.rules as PolicyRule[] | undefined) ?? [];
    const aggregation = next.aggregationRule;
    // Only metadata changed (labels, finalizers a deletion waits on): nothing is granted.
    if (old && deepEqual(old.rules ?? [], next.rules ?? []) && deepEqual(old.aggregationRule, aggregation)) return;
    if (may(user, "escalate", kind.plural, namespace, name)) return;
    const owner = authz.rbac.rulesFor(user, namespace);
    const msg = escalationMessage(user, owner, rules);
    if (msg) throw forbiddenObject(kind, name, msg);
    if (aggregation && !(old && deepEqual(old.aggregationRule, aggregation)) && escalationMessage(user, owner, FULL_AUTHORITY)) {
      throw forbiddenObject(kind, name, "must have cluster-admin privileges to use the aggregationRule");
    }
  }

  function checkBinding(user: Requester, kind: KindDef, next: KubeObject, namespace: string, name: string) {
    const ref = (next.roleRef as RoleRef | undefined) ?? {};
    const roleResource = ref.kind === "Role" ? "roles" : "clusterroles";
    if (may(user, "bind", roleResource, namespace, ref.name ?? "")) return;
    const rules = authz.rbac.roleRefRules(ref, namespace);
    // Worded as the role listers' NotFound: `clusterrole.rbac.authorization.k8s.io "x" not found`.
    if (!rules) throw notFound({ plural: roleResource.slice(0, -1), group: RBAC_GROUP, name: ref.name ?? "" });
    const msg = escalationMessage(user, authz.rbac.rulesFor(user, namespace), rules);
    if (msg) throw forbiddenObject(kind, name, msg);
  }
}
