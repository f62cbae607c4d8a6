// Who may do what, decided once per request from its attributes: the admin group
// system:masters may do everything; a node's credential is restricted as upstream's Node
// authorizer and NodeRestriction admission do (it reads what its pods need, and writes only
// its own Node, its own Lease, its pods' status and events); every identity, nodes
// included, then gets what RBAC roles bound to it allow.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import { ApiError } from "../../api/errors.ts";
import type { Registry } from "../../api/registry/registry.ts";
import type { AuthorizationAttributes, RequestAttributes, UserInfo } from "../../api/http/types.ts";
import { localPathVolumeOn } from "../../controllers/storage/volume-matching.ts";
import { RbacIndex } from "./rbac-index.ts";

const READ = new Set(["get", "list", "watch"]);
const CLUSTER_READS = new Set(["nodes", "namespaces", "services", "endpoints", "endpointslices", "pods", "leases"]);
/** Groups whose requests no authorizer restricts (upstream's system:masters). */
export const PRIVILEGED_GROUP = "system:masters";

export type Decision = { allowed: boolean; reason: string };

export class Authorizer {
  readonly rbac: RbacIndex;
  private readonly kinds: { pod?: KindDef; pv?: KindDef };

  constructor(private readonly registry: Registry) {
    this.rbac = new RbacIndex(registry);
    this.kinds = { pod: registry.kind("", "v1", "pods"), pv: registry.kind("", "v1", "persistentvolumes") };
  }

  /** The decision for one request, with RBAC's reason when a bound role is missing. */
  decide(user: Pick<UserInfo, "name" | "groups" | "node">, a: AuthorizationAttributes): Decision {
    if (user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: "" };
    if (user.node && a.resourceRequest && nodeMay(this.registry, this.kinds, user.node, a)) return { allowed: true, reason: "" };
    const missing: string[] = [];
    if (this.rbac.allows(user, a, missing)) return { allowed: true, reason: "" };
    return { allowed: false, reason: missing.length ? `RBAC: ${missing.length === 1 ? missing[0] : `[${missing.join(", ")}]`}` : "" };
  }

  /** Throws upstream's 403 Forbidden Status when the request is not allowed. */
  readonly authorize = (user: UserInfo, a: AuthorizationAttributes): void => {
    const d = this.decide(user, a);
    if (!d.allowed) throw forbiddenRequest(user, a, d.reason);
  };

  /** The same decision for handlers that name their kind (pods/exec upgrades, subresource routes). */
  readonly authorizeKind = (user: UserInfo, a: RequestAttributes): void => this.authorize(user, kindAttributes(a));

  stop(): void {
    this.rbac.stop();
  }
}

export function kindAttributes(a: RequestAttributes): AuthorizationAttributes {
  return {
    verb: a.verb,
    resourceRequest: true,
    apiGroup: a.kind.group,
    apiVersion: a.kind.version,
    resource: a.kind.plural,
    subresource: a.subresource ?? "",
    namespace: a.namespace ?? "",
    name: a.name ?? "",
    path: "",
  };
}

/** `User "x" cannot list resource "pods" in API group "" in the namespace "default"` (forbiddenMessage). */
export function forbiddenMessage(user: Pick<UserInfo, "name">, a: AuthorizationAttributes): string {
  if (!a.resourceRequest) return `User ${JSON.stringify(user.name)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : "at the cluster scope";
  return `User ${JSON.stringify(user.name)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** The 403 Status upstream answers (responsewriters.ForbiddenStatusError + NewForbidden). */
export function forbiddenRequest(user: Pick<UserInfo, "name">, a: AuthorizationAttributes, reason = ""): ApiError {
  const msg = forbiddenMessage(user, a) + (reason ? `: ${reason}` : "");
  if (!a.resourceRequest || !a.resource) return new ApiError(403, "Forbidden", `forbidden: ${msg}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${msg}` : `${qualified} is forbidden: ${msg}`;
  return new ApiError(403, "Forbidden", message, { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource });
}

function nodeMay(registry: Registry, kinds: { pod?: KindDef; pv?: KindDef }, node: string, a: AuthorizationAttributes): boolean {
  // A node's own rights name core resources, leases, endpoint slices and events only.
  if (a.apiGroup !== "" && a.apiGroup !== "coordination.k8s.io" && a.apiGroup !== "discovery.k8s.io" && a.apiGroup !== "events.k8s.io") return false;
  const plural = a.resource;
  const sub = a.subresource;
  if (READ.has(a.verb) && CLUSTER_READS.has(plural) && (!sub || sub === "status")) return true;
  switch (plural) {
    case "nodes":
      return !sub || sub === "status" ? (a.verb === "create" || a.verb === "update" || a.verb === "patch") && (!a.name || a.name === node) : false;
    case "leases":
      return a.namespace === "kube-node-lease" && (!a.name || a.name === node);
    case "events":
      return a.verb === "create" || a.verb === "patch" || a.verb === "update";
    case "pods": {
      if (!a.name || !kinds.pod) return false;
      const pod = registry.tryGet(kinds.pod, a.namespace, a.name);
      const ownPod = !!pod && (pod.spec as { nodeName?: string } | undefined)?.nodeName === node;
      if (sub === "status") return ownPod && (a.verb === "update" || a.verb === "patch" || a.verb === "get");
      return ownPod && a.verb === "delete";
    }
    case "configmaps":
    case "secrets":
      return a.verb === "get" && !sub && !!a.name && referencedByPodOn(registry, node, a.namespace, plural, a.name);
    case "serviceaccounts":
      // Tokens only for the accounts of its own pods (the TokenRequest handler checks the pod binding).
      if (sub === "token") return a.verb === "create" && !!a.name && serviceAccountOfPodOn(registry, node, a.namespace ?? "", a.name);
      return a.verb === "get" && !sub;
    // Claims and volumes are read whole (the agent mirrors them); a volume is written only to
    // release it once its directory on this node is gone.
    case "persistentvolumeclaims":
      return READ.has(a.verb);
    case "persistentvolumes": {
      if (READ.has(a.verb)) return true;
      const pv = a.name && kinds.pv && (a.verb === "patch" || a.verb === "update") ? registry.tryGet(kinds.pv, "", a.name) : undefined;
      return !!pv && localPathVolumeOn(pv, node);
    }
  }
  return false;
}

function serviceAccountOfPodOn(registry: Registry, node: string, namespace: string, name: string): boolean {
  const pods = registry.kinds.find((k) => k.kind === "Pod")!;
  return registry.list(pods, namespace, (p) => (p.spec as { nodeName?: string })?.nodeName === node && (p.spec as { serviceAccountName?: string }).serviceAccountName === name).items.length > 0;
}

/** A node may read a ConfigMap or Secret only when one of its pods uses it. */
function referencedByPodOn(registry: Registry, node: string, namespace: string, plural: "configmaps" | "secrets", name: string): boolean {
  const pods = registry.kinds.find((k) => k.kind === "Pod")!;
  return registry.list(pods, namespace, (p) => (p.spec as { nodeName?: string })?.nodeName === node).items.some((p) => references(p, plural, name));
}

function references(pod: KubeObject, plural: "configmaps" | "secrets", name: string): boolean {
  const spec = pod.spec as any;
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  for (const v of spec?.volumes ?? []) {
    if (plural === "configmaps" && v.configMap?.name === name) return true;
    if (plural === "secrets" && v.secret?.secretName === name) return true;
    for (const s of v.projected?.sources ?? []) {
      if (plural === "configmaps" && s.configMap?.name === name) return true;
      if (plural === "secrets" && s.secret?.name === name) return true;
    }
  }
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (plural === "configmaps" && e.valueFrom?.configMapKeyRef?.name === name) return true;
      if (plural === "secrets" && e.valueFrom?.secretKeyRef?.name === name) return true;
    }
    for (const f of c.envFrom ?? []) {
      if (plural === "configmaps" && f.configMapRef?.name === name) return true;
      if (plural === "secrets" && f.secretRef?.name === name) return true;
    }
  }
  if (plural === "secrets" && (spec?.imagePullSecrets ?? []).some((s: { name?: string }) => s.name === name)) return true;
  return false;
}
