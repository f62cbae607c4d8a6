// kubectl exec: the client's websocket (v5.channel.k8s.io) is accepted here and relayed
// frame by frame to the pod's node agent, which runs the command.
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { ApiError, toApiError, unauthorized } from "../api/errors.ts";
import { json } from "../api/http/resources.ts";
import type { RequestAttributes, UserInfo } from "../api/http/types.ts";
import { EXEC_PROTOCOL } from "../api/exec-protocol.ts";
import type { Registry } from "../api/registry/registry.ts";
import { agentTls, type NodeProxy } from "./node-proxy.ts";

export type BridgeData = { url: string; token: string; caPem: string; agent?: WebSocket; queue: (string | Uint8Array)[] };

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/;

/** Upgrades an exec request to a bridged websocket; null when the request is not an exec. */
export function tryExecUpgrade(
  req: Request,
  server: Server<BridgeData>,
  deps: { registry: Registry; proxy: NodeProxy; authenticate: (t: string) => UserInfo | undefined; authorize: (u: UserInfo, a: RequestAttributes) => void },
): Response | undefined | null {
  const url = new URL(req.url);
  const m = url.pathname.match(EXEC_PATH);
  if (!m || (req.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return null;
  try {
    const header = req.headers.get("authorization") ?? "";
    const user = header.startsWith("Bearer ") ? deps.authenticate(header.slice(7).trim()) : undefined;
    if (!user) throw unauthorized();
    const [, namespace, name] = m.map(decodeURIComponent) as [string, string, string];
    const pods = deps.registry.kinds.find((k) => k.kind === "Pod")!;
    deps.authorize(user, { verb: "create", kind: pods, namespace, name, subresource: "exec" });
    const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim());
    if (!offered.includes(EXEC_PROTOCOL)) throw new ApiError(400, "BadRequest", `exec needs the ${EXEC_PROTOCOL} websocket protocol`);
    const { pod, container, target } = deps.proxy.resolve(namespace, name, url.searchParams.get("container"));
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded" || phase === "Failed") throw new ApiError(400, "BadRequest", `cannot exec into a container in a completed pod; current phase is ${phase}`);
    const q = new URLSearchParams();
    for (const c of url.searchParams.getAll("command")) q.append("command", c);
    for (const k of ["stdin", "tty"]) if (url.searchParams.get(k) === "true") q.set(k, "true");
    const agentUrl = `${target.base.replace(/^https/, "wss")}/exec/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${q}`;
    const data: BridgeData = { url: agentUrl, token: target.token, caPem: target.caPem, queue: [] };
    if (server.upgrade(req, { data, headers: { "Sec-WebSocket-Protocol": EXEC_PROTOCOL } })) return undefined;
    throw new ApiError(400, "BadRequest", "websocket upgrade failed");
  } catch (e) {
    const err = toApiError(e);
    return json(err.toStatus(), err.code);
  }
}

export const execBridgeHandler: WebSocketHandler<BridgeData> = {
  open(ws: ServerWebSocket<BridgeData>) {
    const d = ws.data;
    const agent = new WebSocket(d.url, { headers: { Authorization: `Bearer ${d.token}` }, protocols: [EXEC_PROTOCOL], tls: agentTls(d.caPem) } as unknown as string[]);
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
    const m = typeof message === "string" ? message : new Uint8Array(message);
    if (d.agent?.readyState === WebSocket.OPEN) d.agent.send(m);
    else d.queue.push(m);
  },
  close(ws) {
    ws.data.agent?.close();
  },
};
