// One forwarded connection (kubectl port-forward) as the agent carries it: a TCP
// connection from this node to the pod's IP and port, relayed over the websocket the
// API server opened. A port the pod binds on all of its addresses is reached this way;
// one bound to the pod's loopback only is not (the agent never enters the pod's
// network namespace).
import { createConnection, type Socket } from "node:net";
import type { ServerWebSocket } from "bun";
import { RELAY, relayFrame } from "../api/portforward-protocol.ts";
import type { Agent } from "./agent.ts";
import { LABEL_POD_UID } from "./runtime/labels.ts";
import type { SandboxInfo } from "./runtime/types.ts";

export type RelayData = { host: string; port: number; podName: string; socket?: Socket; held?: { server: boolean; socket: boolean } };

/** The pod's IP on this node, or why there is none. */
export async function podAddress(agent: Pick<Agent, "source" | "cache" | "driver">, namespace: string, podName: string): Promise<{ ip: string } | { error: string }> {
  const pod = [...agent.source.pods.values()].find((p) => p.metadata.namespace === namespace && p.metadata.name === podName);
  if (!pod) return { error: `pod ${namespace}/${podName} is not on this node` };
  // The runtime cache first (no podman call per connection), the runtime itself when it knows none.
  const ready = (list: SandboxInfo[]) => list.find((s) => s.state === "ready" && s.ip)?.ip;
  const ip = ready(agent.cache.sandboxesOf(pod.metadata.uid!)) ?? ready(await agent.driver.listSandboxes({ [LABEL_POD_UID]: pod.metadata.uid! }));
  return ip ? { ip } : { error: `pod ${namespace}/${podName} has no IP address yet` };
}

export function openRelay(ws: ServerWebSocket<RelayData>) {
  const d = ws.data;
  const socket = createConnection({ host: d.host, port: d.port });
  d.socket = socket;
  const held: { server: boolean; socket: boolean } = (d.held = { server: false, socket: false });
  socket.on("data", (chunk: Buffer) => {
    // The server reads slower than the pod writes: stop reading the pod until the socket drains.
    if (ws.send(relayFrame(RELAY.data, chunk)) === -1) {
      held.socket = true;
      socket.pause();
    }
  });
  socket.on("error", (e: Error) => {
    ws.send(relayFrame(RELAY.error, new TextEncoder().encode(`error forwarding port ${d.port} to pod ${d.podName}: ${e.message}`)));
  });
  socket.on("close", () => ws.close(1000));
}

export function relayMessage(ws: ServerWebSocket<RelayData>, bytes: Uint8Array) {
  const socket = ws.data.socket;
  if (!socket || bytes.length === 0) return;
  if (bytes[0] === RELAY.data) socket.write(bytes.subarray(1));
  else if (bytes[0] === RELAY.end) socket.end();
  else if (bytes[0] === RELAY.pause) hold(ws, "server", true);
  else if (bytes[0] === RELAY.resume) hold(ws, "server", false);
}

/** The pod is read only while neither this agent's socket to the server nor the client is backed up. */
function hold(ws: ServerWebSocket<RelayData>, who: "server" | "socket", on: boolean) {
  const { socket, held } = ws.data;
  if (!socket || !held) return;
  held[who] = on;
  if (held.server || held.socket) socket.pause();
  else socket.resume();
}

export function drainRelay(ws: ServerWebSocket<RelayData>) {
  hold(ws, "socket", false);
}

export function closeRelay(ws: ServerWebSocket<RelayData>) {
  ws.data.socket?.destroy();
}
