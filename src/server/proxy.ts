// The proxy subresources, as upstream's apiserver serves them: pods/NAME/proxy[/path],
// services/NAME/proxy[/path] (NAME, NAME:PORT, SCHEME:NAME:PORT) and
// nodes/NAME/proxy/path, for every HTTP method. The server never routes to pod
// addresses itself: a pod (a service's chosen endpoint too) is reached through the agent
// of its node, a node's path is that node's agent port.
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiError, badRequest } from "../api/errors.ts";
import type { RequestAttributes, SubresourceHandler, UserInfo } from "../api/http/types.ts";
import type { Registry } from "../api/registry/registry.ts";
import { forwardBody, forwardHeaders, passBack, PROXY_ERROR_HEADER } from "../api/proxy-headers.ts";
import { agentTls, type AgentTarget, type NodeProxy } from "./node-proxy.ts";

type Authorize = (u: UserInfo, a: RequestAttributes) => void;

const PROXY_PATH = /^\/api\/v1\/(?:namespaces\/[^/]+\/)?(?:pods|services|nodes)\/[^/]+\/proxy(\/.*)?$/;

export function proxySubresources(registry: Registry, proxy: NodeProxy, authorize: Authorize): Map<string, SubresourceHandler> {
  const kindOf = (kind: string) => registry.kinds.find((k) => k.kind === kind)!;
  const handlers = new Map<string, SubresourceHandler>();

  /** pods/proxy and services/proxy: both end at one pod, reached through its node's agent. */
  const viaPod = (kind: "Pod" | "Service", choose: (obj: KubeObject, port: string | undefined) => { pod: KubeObject; port: number }): SubresourceHandler =>
    async (req, url, path, user) => {
      authorize(user, { verb: verbOf(req.method), kind: kindOf(kind), namespace: path.namespace, name: path.name, subresource: "proxy" });
      const { scheme, name, port } = splitName(path.name!);
      const obj = registry.get(kindOf(kind), path.namespace!, name);
      const redirect = trailingSlash(url);
      if (redirect) return redirect;
      const chosen = choose(obj, port);
      const target = podTarget(proxy, chosen.pod);
      return relay(req, url, target.base, `/podProxy/${enc(path.namespace!)}/${enc(chosen.pod.metadata.name!)}/${scheme ?? "http"}/${chosen.port}`, target);
    };
  handlers.set("pods/proxy", viaPod("Pod", (pod, port) => ({ pod, port: resolvePodPort(pod, port) })));
  handlers.set(
    "services/proxy",
    viaPod("Service", (service, port) => {
      const endpoint = pickEndpoint(registry, service, port);
      return { pod: registry.get(kindOf("Pod"), service.metadata.namespace!, endpoint.pod), port: endpoint.port };
    }),
  );

  handlers.set("nodes/proxy", async (req, url, path, user) => {
    authorize(user, { verb: verbOf(req.method), kind: kindOf("Node"), name: path.name, subresource: "proxy" });
    const { name } = splitName(path.name!);
    registry.get(kindOf("Node"), "", name);
    const target = proxy.agentOf(name);
    return relay(req, url, target.base, "", target);
  });
  return handlers;
}

/** Upstream's verb for a proxied request: its HTTP method. */
function verbOf(method: string): RequestAttributes["verb"] {
  switch (method) {
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return "delete";
    default:
      return "get";
  }
}

/** NAME, NAME:PORT or SCHEME:NAME:PORT. */
export function splitName(id: string): { scheme?: "http" | "https"; name: string; port?: string } {
  const parts = id.split(":");
  if (parts.length === 1) return { name: parts[0]! };
  if (parts.length === 2) return { name: parts[0]!, port: parts[1] || undefined };
  if (parts.length === 3 && (parts[0] === "http" || parts[0] === "https" || parts[0] === "")) return { scheme: (parts[0] || undefined) as "http" | "https" | undefined, name: parts[1]!, port: parts[2] || undefined };
  throw badRequest(`invalid proxy name "${id}": expected NAME, NAME:PORT or SCHEME:NAME:PORT`);
}

/** As upstream: `.../proxy` without a path is sent on to `.../proxy/`. */
function trailingSlash(url: URL): Response | undefined {
  const m = url.pathname.match(PROXY_PATH);
  if (m && m[1] === undefined) return new Response(null, { status: 301, headers: { Location: `${url.pathname}/${url.search}` } });
  return undefined;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

type PodSpecPorts = { containers: { ports?: { name?: string; containerPort: number }[] }[]; nodeName?: string };

/** A numeric port, a named container port, or (none given) the pod's first declared port, else 80. */
function resolvePodPort(pod: KubeObject, port: string | undefined): number {
  const spec = pod.spec as PodSpecPorts;
  const declared = spec.containers.flatMap((c) => c.ports ?? []);
  if (port === undefined) return declared[0]?.containerPort ?? 80;
  if (/^\d+$/.test(port)) return checkPort(Number(port), port);
  const named = declared.find((p) => p.name === port);
  if (!named) throw badRequest(`pod ${pod.metadata.name} has no port named "${port}"`);
  return named.containerPort;
}

function checkPort(n: number, raw: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw badRequest(`invalid port "${raw}": a port must be between 1 and 65535`);
  return n;
}

function podTarget(proxy: NodeProxy, pod: KubeObject): AgentTarget {
  const spec = pod.spec as PodSpecPorts;
  const status = pod.status as { podIP?: string; phase?: string } | undefined;
  if (!spec.nodeName || !status?.podIP) throw new ApiError(503, "ServiceUnavailable", `pod ${pod.metadata.name} has no IP address yet`);
  return proxy.agentOf(spec.nodeName);
}

type Slice = { endpoints?: { addresses: string[]; conditions?: { ready?: boolean }; targetRef?: { kind?: string; name?: string } }[]; ports?: { name?: string; port?: number }[] };
type ServicePort = { name?: string; port: number; targetPort?: number | string };

/** A ready endpoint of the service port named (or numbered) by `port`, as upstream picks one: at random. */
function pickEndpoint(registry: Registry, service: KubeObject, port: string | undefined): { pod: string; port: number } {
  const name = service.metadata.name!;
  const ports = ((service.spec as { ports?: ServicePort[] }).ports ?? []) as ServicePort[];
  let svcPort: ServicePort | undefined;
  if (port === undefined) {
    if (ports.length !== 1) throw badRequest(`service ${name} has ${ports.length} ports: name one as ${name}:PORT`);
    svcPort = ports[0];
  } else svcPort = ports.find((p) => p.name === port || String(p.port) === port);
  if (!svcPort) throw new ApiError(503, "ServiceUnavailable", `no service port "${port}" found for service "${name}"`);
  const slices = registry
    .list(registry.kinds.find((k) => k.kind === "EndpointSlice")!, service.metadata.namespace)
    .items.filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === name) as unknown as Slice[];
  const candidates: { pod: string; port: number }[] = [];
  for (const slice of slices) {
    const p = (slice.ports ?? []).find((sp) => (sp.name ?? "") === (svcPort!.name ?? ""));
    if (!p?.port) continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false || e.targetRef?.kind !== "Pod" || !e.targetRef.name) continue;
      candidates.push({ pod: e.targetRef.name, port: p.port });
    }
  }
  if (candidates.length === 0) throw new ApiError(503, "ServiceUnavailable", `no endpoints available for service "${name}"`);
  return candidates[Math.floor(Math.random() * candidates.length)]!;
}

/** Sends the request on to the agent and its answer back, bodies streamed both ways. */
async function relay(req: Request, url: URL, base: string, prefix: string, target: AgentTarget): Promise<Response> {
  const m = url.pathname.match(PROXY_PATH);
  const rest = m?.[1] ?? "/";
  const headers = forwardHeaders(req.headers);
  headers.set("Authorization", `Bearer ${target.token}`);
  const method = req.method;
  let res: Response;
  try {
    res = await fetch(`${base}${prefix}${rest}${url.search}`, {
      method,
      headers,
      body: await forwardBody(req),
      duplex: "half",
      redirect: "manual",
      decompress: false,
      signal: req.signal,
      tls: agentTls(target.caPem),
    } as RequestInit);
  } catch (e) {
    throw new ApiError(503, "ServiceUnavailable", `cannot reach the agent of this node: ${(e as Error).message}`);
  }
  if (res.headers.get(PROXY_ERROR_HEADER)) throw new ApiError(503, "ServiceUnavailable", await res.text());
  return passBack(res);
}
