// The labels upstream's apiserver puts on request metrics, derived from method and path:
// the Kubernetes verb (LIST vs GET, WATCH, DELETECOLLECTION…), group, version, resource,
// subresource and scope. Paths that name no resource get resource "" (as upstream's
// non-resource requests), so /metrics scrapes do not multiply series.
import { parseResourcePath } from "../../api/http/paths.ts";

export type RequestLabels = {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: "apiserver";
};

// Subresources upstream serves over a connection upgrade / stream: counted as CONNECT.
const CONNECT_SUBRESOURCES = new Set(["exec", "attach", "portforward", "proxy"]);

export function requestLabels(method: string, pathname: string, query?: URLSearchParams): RequestLabels {
  const path = parseResourcePath(pathname);
  if (!path) return { verb: method.toUpperCase(), group: "", version: "", resource: "", subresource: "", scope: "", component: "apiserver" };
  const watch = path.legacyWatch || query?.get("watch") === "true" || query?.get("watch") === "1";
  const sub = path.subresource ?? "";
  return {
    verb: kubernetesVerb(method, !!path.name, watch, sub),
    group: path.group,
    version: path.version,
    resource: path.plural,
    subresource: sub,
    // Upstream's CleanScope: one named object, a namespace's collection, or the whole cluster.
    scope: path.name || method === "POST" ? "resource" : path.namespace ? "namespace" : "cluster",
    component: "apiserver",
  };
}

function kubernetesVerb(method: string, named: boolean, watch: boolean, subresource: string): string {
  if (CONNECT_SUBRESOURCES.has(subresource)) return "CONNECT";
  switch (method.toUpperCase()) {
    case "GET":
    case "HEAD":
      return watch ? "WATCH" : named ? "GET" : "LIST";
    case "POST":
      return "CREATE";
    case "PUT":
      return "UPDATE";
    case "PATCH":
      return "PATCH";
    case "DELETE":
      return named ? "DELETE" : "DELETECOLLECTION";
    default:
      return method.toUpperCase();
  }
}

/** Streams whose duration is the client's choice: left out of the latency histogram. */
export function isLongRunning(verb: string): boolean {
  return verb === "WATCH" || verb === "CONNECT";
}
