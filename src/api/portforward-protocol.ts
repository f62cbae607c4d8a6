// The relay between the API server and a node agent for one forwarded connection: a
// websocket whose binary messages start with one byte telling what follows.
export const RELAY = {
  /** Bytes for the other end of the connection. */
  data: 0,
  /** The sender will write nothing more (a half close). */
  end: 1,
  /** Agent to server: why the connection to the pod failed or ended (UTF-8). */
  error: 2,
  /** Server to agent: the client reads slower than the pod writes; stop reading the pod. */
  pause: 3,
  /** Server to agent: read the pod again. */
  resume: 4,
} as const;
export const RELAY_PROTOCOL = "portforward.skiff.io";

/** kubectl's protocol for port-forward over a websocket: SPDY/3.1 tunnelled in binary messages. */
export const PORT_FORWARD_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io";
/** Served for port-forward, best first: the SPDY tunnel, then the kubelet's channel protocol. */
export const PORT_FORWARD_PROTOCOLS = [PORT_FORWARD_TUNNEL_PROTOCOL, "v4.channel.k8s.io", "channel.k8s.io"];

export function relayFrame(kind: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = kind;
  out.set(payload, 1);
  return out;
}
