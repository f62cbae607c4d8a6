// Authorization attributes from a request's method and path, as upstream's RequestInfoFactory
// derives them: every route (resources, their subresources such as pods/exec or
// services/proxy, nodes/NAME/proxy/..., metrics.k8s.io, and plain paths like /version or
// /metrics) gets its attributes the same way, so a new route is covered without a word.
import type { AuthorizationAttributes } from "./types.ts";

const METHOD_VERBS: Record<string, string> = { POST: "create", GET: "get", HEAD: "get", PUT: "update", PATCH: "patch", DELETE: "delete" };
/** Streaming subresources whose WebSocket upgrade (a GET) is authorized as create, as upstream since 1.31. */
const CONNECT_CREATE = new Set(["exec", "attach", "portforward"]);

function nonResource(method: string, path: string): AuthorizationAttributes {
  return { verb: method.toLowerCase(), resourceRequest: false, apiGroup: "", apiVersion: "", resource: "", subresource: "", namespace: "", name: "", path };
}

/** `method` is the request's; `query` its parameters (watch, fieldSelector); `upgrade` whether it asks for a WebSocket. */
export function requestAttributes(method: string, path: string, query: URLSearchParams, upgrade = false): AuthorizationAttributes {
  let parts: string[];
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return nonResource(method, path);
  }
  if (parts.length < 3 || (parts[0] !== "api" && parts[0] !== "apis")) return nonResource(method, path);
  let rest = parts.slice(1);
  let apiGroup = "";
  if (parts[0] === "apis") {
    if (rest.length < 3) return nonResource(method, path);
    apiGroup = rest[0]!;
    rest = rest.slice(1);
  }
  const apiVersion = rest[0]!;
  rest = rest.slice(1);
  let verb: string;
  if ((rest[0] === "watch" || rest[0] === "proxy") && rest.length >= 2) {
    verb = rest[0];
    rest = rest.slice(1);
  } else verb = METHOD_VERBS[method] ?? "";
  let namespace = "";
  if (rest[0] === "namespaces" && rest.length > 1) {
    namespace = rest[1]!;
    if (rest.length > 2 && rest[2] !== "status" && rest[2] !== "finalize") rest = rest.slice(2);
  }
  const resource = rest[0] ?? "";
  const name = rest[1] ?? "";
  const subresource = rest.length >= 3 && verb !== "proxy" ? rest[2]! : "";
  const a: AuthorizationAttributes = { verb, resourceRequest: true, apiGroup, apiVersion, resource, subresource, namespace, name, path };
  if (!name && verb === "get") {
    const w = query.get("watch");
    a.verb = w === "true" || w === "1" ? "watch" : "list";
    const exact = /^metadata\.name==?([^,]+)$/.exec(query.get("fieldSelector") ?? "");
    if (exact && !exact[1]!.includes("/") && !exact[1]!.includes("%")) a.name = exact[1]!;
  } else if (name && verb === "get" && !subresource) {
    const w = query.get("watch");
    if (w === "true" || w === "1") a.verb = "watch";
  }
  if (!name && verb === "delete") a.verb = "deletecollection";
  if (upgrade && verb === "get" && resource === "pods" && CONNECT_CREATE.has(subresource)) a.verb = "create";
  return a;
}
