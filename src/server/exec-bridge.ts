// kubectl exec, attach and port-forward: the client's websocket is accepted here. Exec
// and attach (v5.channel.k8s.io and older channel protocols) are relayed frame by frame
// to the pod's node agent, which runs the command or attaches to the container.
// Port-forward (SPDY tunnelled in the websocket) is answered here, each forwarded
// connection relayed through the agent (port-forward.ts).
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { ApiError, badRequest, toApiError, unauthorized } from "../api/errors.ts";
import { json } from "../api/http/resources.ts";
import type { RequestAttributes, UserInfo } from "../api/http/types.ts";
import { EXEC_PROTOCOL, STREAM_PROTOCOLS } from "../api/exec-protocol.ts";
import { PORT_FORWARD_PROTOCOLS, PORT_FORWARD_TUNNEL_PROTOCOL } from "../api/portforward-protocol.ts";
import type { Registry } from "../api/registry/registry.ts";
import { agentTls, type NodeProxy } from "./node-proxy.ts";
import { agentRelayOpener, ChannelPortForward, PortForwardSession, type ForwardSession } from "./port-forward.ts";

export type BridgeData = {
  url: string;
  token: string;
  caPem: string;
  protocol: string;
  agent?: WebSocket;
  queue: (string | Uint8Array)[];
  /** Set for port-forward: the session is made when the client's socket opens. */
  portForward?: (ws: ServerWebSocket<BridgeData>) => ForwardSession;
  session?: ForwardSession;
};

const STREAM_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;

type Deps = { registry: Registry; proxy: NodeProxy; authenticate: (t: string) => UserInfo | undefined; authorize: (u: UserInfo, a: RequestAttributes) => void };

/** Upgrades an exec, attach or port-forward request (answers one that asks no websocket with a Status); null for any other path. */
export function tryExecUpgrade(req: Request, server: Server<BridgeData> | undefined, deps: Deps): Response | undefined | null {
  const url = new URL(req.url);
  const m = url.pathname.match(STREAM_PATH);
  if (!m) return null;
  const upgrade = (req.headers.get("upgrade") ?? "").toLowerCase();
  try {
    const header = req.headers.get("authorization") ?? "";
    const user = header.startsWith("Bearer ") ? deps.authenticate(header.slice(7).trim()) : undefined;
    if (!user) throw unauthorized();
    const [, namespace, name, verb] = m.map(decodeURIComponent) as [string, string, string, "exec" | "attach" | "portforward"];
    const pods = deps.registry.kinds.find((k) => k.kind === "Pod")!;
    deps.authorize(user, { verb: "create", kind: pods, namespace, name, subresource: verb });
    if (upgrade !== "websocket") {
      deps.registry.get(pods, namespace, name);
      if (upgrade.startsWith("spdy/")) throw badRequest(`${verb} is served over websockets only (port-forward as SPDY/3.1 tunnelled in a websocket): kubectl 1.31 or later uses them by default`);
      throw badRequest("Upgrade request required");
    }
    const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
    const data = verb === "portforward" ? portForwardData(url, namespace, name, offered, deps) : channelData(url, namespace, name, verb, offered, deps);
    if (server?.upgrade(req, { data, headers: data.protocol ? { "Sec-WebSocket-Protocol": data.protocol } : {} })) return undefined;
    throw new ApiError(400, "BadRequest", "websocket upgrade failed");
  } catch (e) {
    const err = toApiError(e);
    return json(err.toStatus(), err.code);
  }
}

function channelData(url: URL, namespace: string, name: string, verb: "exec" | "attach", offered: string[], deps: Deps): BridgeData {
  const protocol = STREAM_PROTOCOLS.find((p) => offered.includes(p));
  if (!protocol) throw badRequest(`${verb} needs one of the websocket protocols ${STREAM_PROTOCOLS.join(", ")}`);
  const { pod, container, target } = deps.proxy.resolve(namespace, name, url.searchParams.get("container"), { ephemeral: true });
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === "Succeeded" || phase === "Failed") throw badRequest(`cannot ${verb} ${verb === "exec" ? "into" : "to"} a container in a completed pod; current phase is ${phase}`);
  const q = new URLSearchParams();
  if (verb === "exec") for (const c of url.searchParams.getAll("command")) q.append("command", c);
  for (const k of ["stdin", "stdout", "stderr", "tty"]) if (url.searchParams.get(k) === "true" || url.searchParams.get(k) === "1") q.set(k, "true");
  const agentUrl = `${target.base.replace(/^https/, "wss")}/${verb}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${q}`;
  return { url: agentUrl, token: target.token, caPem: target.caPem, protocol, queue: [] };
}

function portForwardData(url: URL, namespace: string, name: string, offered: string[], deps: Deps): BridgeData {
  const protocol = PORT_FORWARD_PROTOCOLS.find((p) => offered.includes(p)) ?? (offered.filter(Boolean).length ? undefined : "");
  if (protocol === undefined) throw badRequest(`port-forward needs one of the websocket protocols ${PORT_FORWARD_PROTOCOLS.join(", ")}`);
  // SPDY names the port of each stream in its headers; the channel protocol only in the query.
  const { target, open, ports } = portForwardRelay(url, namespace, name, deps, protocol !== PORT_FORWARD_TUNNEL_PROTOCOL);
  return {
    url: "",
    token: target.token,
    caPem: target.caPem,
    protocol,
    queue: [],
    portForward: (ws) => {
      const args = [(bytes: Uint8Array) => ws.send(bytes) !== -1, () => ws.close(1000), open, ports] as const;
      return protocol === PORT_FORWARD_TUNNEL_PROTOCOL ? new PortForwardSession(...args) : new ChannelPortForward(...args);
    },
  };
}

/** The checks of a port-forward request (ports, a Running pod) and the relay through its node's agent. */
export function portForwardRelay(url: URL, namespace: string, name: string, deps: Pick<Deps, "registry" | "proxy">, portsRequired: boolean) {
  const ports = url.searchParams.getAll("ports").flatMap((p) => p.split(",")).filter((p) => p !== "");
  for (const p of ports) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw badRequest(`invalid port "${p}": a port must be between 1 and 65535`);
  }
  if (portsRequired && ports.length === 0) throw badRequest('query parameter "ports" is required');
  const pod = deps.registry.get(deps.registry.kinds.find((k) => k.kind === "Pod")!, namespace, name);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase !== "Running") throw badRequest(`unable to forward port because pod is not running. Current status=${phase ?? "Pending"}`);
  const { target } = deps.proxy.resolve(namespace, name, null, { anyContainer: true });
  return { target, open: agentRelayOpener(target, namespace, name), ports: ports.map(Number) };
}

export const execBridgeHandler: WebSocketHandler<BridgeData> = {
  open(ws: ServerWebSocket<BridgeData>) {
    const d = ws.data;
    if (d.portForward) {
      d.session = d.portForward(ws);
      return;
    }
    const agent = new WebSocket(d.url, { headers: { Authorization: `Bearer ${d.token}` }, protocols: [d.protocol], tls: agentTls(d.caPem) } as unknown as string[]);
    agent.binaryType = "arraybuffer";
    d.agent = agent;
    agent.onopen = () => {
      for (const m of d.queue.splice(0)) agent.send(m);
    };
    agent.onmessage = (ev) => ws.send(typeof ev.data === "string" ? ev.data : new Uint8Array(ev.data as ArrayBuffer));
    agent.onclose = () => ws.close(1000);
    agent.onerror = () => ws.close(1011);
  },
  message(ws, message) {
    const d = ws.data;
    if (d.session) {
      if (typeof message !== "string") d.session.receive(new Uint8Array(message));
      return;
    }
    const m = typeof message === "string" ? message : new Uint8Array(message);
    if (d.agent?.readyState === WebSocket.OPEN) d.agent.send(m);
    else d.queue.push(m);
  },
  drain(ws) {
    ws.data.session?.drain();
  },
  close(ws) {
    ws.data.session?.close();
    ws.data.agent?.close();
  },
};
