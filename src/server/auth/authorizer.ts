// Who may do what. Admins may do everything. A node's credential is restricted as
// upstream's Node authorizer and NodeRestriction admission do: it reads what its pods
// need, and writes only its own Node, its own Lease, its pods' status and events.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { forbidden } from "../../api/errors.ts";
import type { Registry } from "../../api/registry/registry.ts";
import type { RequestAttributes, UserInfo } from "../../api/http/types.ts";
import { localPathVolumeOn } from "../../controllers/storage/volume-matching.ts";

const READ = new Set(["get", "list", "watch"]);
const CLUSTER_READS = new Set(["nodes", "namespaces", "services", "endpoints", "endpointslices", "pods", "leases"]);

export function authorizer(registry: Registry) {
  return (user: UserInfo, attrs: RequestAttributes): void => {
    if (user.groups.includes("system:masters")) return;
    if (user.node && nodeMay(registry, user.node, attrs)) return;
    const resource = attrs.kind.group ? `${attrs.kind.plural}.${attrs.kind.group}` : attrs.kind.plural;
    const sub = attrs.subresource ? `/${attrs.subresource}` : "";
    const where = attrs.kind.namespaced && attrs.namespace ? ` in the namespace "${attrs.namespace}"` : attrs.kind.namespaced ? "" : " at the cluster scope";
    throw forbidden(
      `${resource}${attrs.name ? ` "${attrs.name}"` : ""} is forbidden: User "${user.name}" cannot ${attrs.verb} resource "${attrs.kind.plural}${sub}" in API group "${attrs.kind.group}"${where}`,
      { name: attrs.name, group: attrs.kind.group || undefined, kind: attrs.kind.plural },
    );
  };
}

function nodeMay(registry: Registry, node: string, a: RequestAttributes): boolean {
  const plural = a.kind.plural;
  const sub = a.subresource;
  if (READ.has(a.verb) && CLUSTER_READS.has(plural)) return true;
  switch (plural) {
    case "nodes":
      return (a.verb === "create" || a.verb === "update" || a.verb === "patch") && (a.name === undefined || a.name === node);
    case "leases":
      return a.namespace === "kube-node-lease" && (a.name === undefined || a.name === node);
    case "events":
      return a.verb === "create" || a.verb === "patch" || a.verb === "update";
    case "pods": {
      if (!a.name) return false;
      const pod = registry.tryGet(a.kind, a.namespace ?? "", a.name);
      const ownPod = !!pod && (pod.spec as { nodeName?: string } | undefined)?.nodeName === node;
      if (sub === "status") return ownPod && (a.verb === "update" || a.verb === "patch" || a.verb === "get");
      return ownPod && a.verb === "delete";
    }
    case "configmaps":
    case "secrets":
      return a.verb === "get" && !!a.name && referencedByPodOn(registry, node, a.namespace ?? "", plural, a.name);
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
      const pv = a.name && (a.verb === "patch" || a.verb === "update") ? registry.tryGet(a.kind, "", a.name) : undefined;
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
