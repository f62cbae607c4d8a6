// pods/log and pods/exec: the API server finds the pod's node and relays the stream from
// that node's agent port, presenting the node's proxy token.
import type { Registry } from "../api/registry/registry.ts";
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiError, badRequest } from "../api/errors.ts";
import type { SubresourceHandler, UserInfo } from "../api/http/types.ts";
import type { RequestAttributes } from "../api/http/types.ts";

export type AgentTarget = { base: string; token: string; caPem: string };

export class NodeProxy {
  constructor(
    private readonly registry: Registry,
    private readonly proxyTokenOf: (node: string) => string | undefined,
    private readonly caPem: string,
  ) {}

  /** The pod, the container to use, and its node's agent address; errors as upstream words them. */
  resolve(namespace: string, podName: string, container: string | null, opts: { ephemeral?: boolean; anyContainer?: boolean } = {}): { pod: KubeObject; container: string; target: AgentTarget } {
    const pods = this.registry.kinds.find((k) => k.kind === "Pod")!;
    const pod = this.registry.get(pods, namespace, podName);
    const spec = pod.spec as { nodeName?: string; containers: { name: string }[]; initContainers?: { name: string }[]; ephemeralContainers?: { name: string }[] };
    const names = spec.containers.map((c) => c.name);
    const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name), ...(opts.ephemeral ? (spec.ephemeralContainers ?? []).map((c) => c.name) : [])];
    let name = container ?? pod.metadata.annotations?.["kubectl.kubernetes.io/default-container"] ?? undefined;
    if (!name && opts.anyContainer) name = names[0]!;
    if (!name) {
      if (names.length !== 1) throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${names.join(" ")}]`);
      name = names[0]!;
    }
    if (!all.includes(name)) throw badRequest(`container ${name} is not valid for pod ${podName}`);
    if (!spec.nodeName) throw badRequest(`pod ${podName} does not have a host assigned`);
    return { pod, container: name, target: this.agentOf(spec.nodeName) };
  }

  /** The address and proxy token of a node's agent. */
  agentOf(nodeName: string): AgentTarget {
    const nodes = this.registry.kinds.find((k) => k.kind === "Node")!;
    const node = this.registry.tryGet(nodes, "", nodeName);
    const status = node?.status as { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined;
    const address = status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
    const token = this.proxyTokenOf(nodeName);
    if (!address || !port || !token) throw new ApiError(503, "ServiceUnavailable", `node ${nodeName} has not reported an agent endpoint`);
    const host = address.includes(":") ? `[${address}]` : address;
    return { base: `https://${host}:${port}`, token, caPem: this.caPem };
  }

  logHandler(authorize: (u: UserInfo, a: RequestAttributes) => void): SubresourceHandler {
    return async (req, url, path, user) => {
      const pods = this.registry.kinds.find((k) => k.kind === "Pod")!;
      authorize(user, { verb: "get", kind: pods, namespace: path.namespace, name: path.name, subresource: "log" });
      const { container, target } = this.resolve(path.namespace!, path.name!, url.searchParams.get("container"), { ephemeral: true });
      const q = new URLSearchParams();
      for (const k of ["follow", "tailLines", "timestamps", "previous", "sinceSeconds", "sinceTime", "limitBytes"]) {
        const v = url.searchParams.get(k);
        if (v !== null) q.set(k, v);
      }
      let res: Response;
      try {
        res = await fetch(`${target.base}/containerLogs/${encodeURIComponent(path.namespace!)}/${encodeURIComponent(path.name!)}/${encodeURIComponent(container)}?${q}`, {
          headers: { Authorization: `Bearer ${target.token}` },
          signal: req.signal,
          tls: agentTls(target.caPem),
        } as RequestInit);
      } catch (e) {
        throw new ApiError(503, "ServiceUnavailable", `cannot reach the agent of this pod's node: ${(e as Error).message}`);
      }
      if (!res.ok) throw badRequest((await res.text()).trim() || `the node agent answered ${res.status}`);
      const limit = Number(url.searchParams.get("limitBytes") ?? 0);
      const body = limit > 0 ? limitBytes(res.body!, limit) : res.body;
      return new Response(body, { headers: { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" } });
    };
  }
}

/** The agent's certificate is signed by the cluster CA; its address is whatever the node reported. */
export function agentTls(caPem: string) {
  return { ca: caPem, checkServerIdentity: () => undefined };
}

function limitBytes(stream: ReadableStream<Uint8Array>, max: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (sent >= max) return controller.terminate();
        const part = chunk.subarray(0, max - sent);
        sent += part.length;
        controller.enqueue(part);
      },
    }),
  );
}
