// Discovery documents (aggregated v2 and legacy), derived from the kind declarations.
import type { KindDef } from "../kinds/kind.ts";
import { apiVersionOf } from "../kinds/kind.ts";

export const AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

type Sub = { name: string; group: string; version: string; kind: string; verbs: string[] };

function subresourcesOf(k: KindDef): Sub[] {
  const subs: Sub[] = [];
  const self = { group: k.group, version: k.version, kind: k.kind };
  if (k.subresources?.status) subs.push({ name: "status", ...self, verbs: ["get", "patch", "update"] });
  if (k.subresources?.scale) subs.push({ name: "scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
  for (const extra of k.subresources?.extra ?? []) {
    if (extra === "log") subs.push({ name: "log", ...self, verbs: ["get"] });
    else if (extra === "exec") subs.push({ name: "exec", group: "", version: "v1", kind: "PodExecOptions", verbs: ["create", "get"] });
    else if (extra === "eviction") subs.push({ name: "eviction", group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] });
    else if (extra === "binding") subs.push({ name: "binding", group: "", version: "v1", kind: "Binding", verbs: ["create"] });
    else if (extra === "token") subs.push({ name: "token", group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"] });
    else if (extra === "finalize") subs.push({ name: "finalize", ...self, verbs: ["update"] });
    else if (extra === "portforward") subs.push({ name: "portforward", group: "", version: "v1", kind: "PodPortForwardOptions", verbs: ["create", "get"] });
    else if (extra === "proxy") subs.push({ name: "proxy", group: "", version: "v1", kind: `${k.kind}ProxyOptions`, verbs: ["create", "delete", "get", "patch", "update"] });
    else if (extra === "attach") subs.push({ name: "attach", group: "", version: "v1", kind: "PodAttachOptions", verbs: ["create", "get"] });
    else if (extra === "ephemeralcontainers") subs.push({ name: "ephemeralcontainers", ...self, verbs: ["get", "patch", "update"] });
  }
  return subs;
}

function groupsOf(kinds: KindDef[]): Map<string, Map<string, KindDef[]>> {
  const groups = new Map<string, Map<string, KindDef[]>>();
  for (const k of kinds) {
    let versions = groups.get(k.group);
    if (!versions) groups.set(k.group, (versions = new Map()));
    let list = versions.get(k.version);
    if (!list) versions.set(k.version, (list = []));
    list.push(k);
  }
  return groups;
}

/** APIGroupDiscoveryList for /api (core: true) or /apis (core: false). */
export function aggregatedDiscovery(kinds: KindDef[], core: boolean) {
  const items = [];
  for (const [group, versions] of groupsOf(kinds)) {
    if ((group === "") !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([version, list]) => ({
        version,
        resources: list.map((k) => ({
          resource: k.plural,
          responseKind: { group: k.group, version: k.version, kind: k.kind },
          scope: k.namespaced ? "Namespaced" : "Cluster",
          singularResource: k.singular,
          verbs: VERBS,
          ...(k.shortNames?.length ? { shortNames: k.shortNames } : {}),
          ...(k.categories?.length ? { categories: k.categories } : {}),
          ...(subresourcesOf(k).length
            ? { subresources: subresourcesOf(k).map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: s.verbs })) }
            : {}),
        })),
        freshness: "Current",
      })),
    });
  }
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

export function apiVersions(serverAddress: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroupList(kinds: KindDef[]) {
  return { kind: "APIGroupList", apiVersion: "v1", groups: [...groupsOf(kinds)].filter(([g]) => g !== "").map(([g, versions]) => apiGroup(g, [...versions.keys()])) };
}

export function apiGroup(group: string, versions: string[]) {
  const list = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: list, preferredVersion: list[0] };
}

export function groupVersions(kinds: KindDef[], group: string): string[] {
  return [...(groupsOf(kinds).get(group)?.keys() ?? [])];
}

export function apiResourceList(kinds: KindDef[], group: string, version: string) {
  const list = kinds.filter((k) => k.group === group && k.version === version);
  const resources = [];
  for (const k of list) {
    resources.push({
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: VERBS,
      ...(k.shortNames?.length ? { shortNames: k.shortNames } : {}),
      ...(k.categories?.length ? { categories: k.categories } : {}),
    });
    for (const s of subresourcesOf(k)) {
      // Upstream names both group and version when the subresource's group/version differs
      // (pods/eviction: policy/v1); kubectl drain evicts only when both are present.
      const other = s.group !== k.group || s.version !== k.version;
      resources.push({ name: `${k.plural}/${s.name}`, singularName: "", namespaced: k.namespaced, ...(other ? { group: s.group, version: s.version } : {}), kind: s.kind, verbs: s.verbs });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}
