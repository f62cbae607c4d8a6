// kubectl port-forward over a plain SPDY/3.1 upgrade: what kubectl up to 1.30 speaks, and
// what later ones fall back to (KUBECTL_PORT_FORWARD_WEBSOCKETS=false, or a WebSocket that
// fails). Bun.serve cannot switch a connection to SPDY, so the API port's TLS front hands
// such a request here: it is authenticated and authorized as any port-forward, answered
// 101, and the connection's bytes then feed the same SPDY session the WebSocket tunnel uses.
import { ApiError, toApiError, unauthorized } from "../api/errors.ts";
import type { RequestAttributes, UserInfo } from "../api/http/types.ts";
import type { Takeover } from "../api/http/tls-front.ts";
import type { RequestHead } from "../api/http/request-framer.ts";
import type { Registry } from "../api/registry/registry.ts";
import type { NodeProxy } from "./node-proxy.ts";
import { portForwardRelay } from "./exec-bridge.ts";
import { PortForwardSession } from "./port-forward.ts";

const PORT_FORWARD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;
/** The stream protocol kubectl asks for in X-Stream-Protocol-Version. */
const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";

type Deps = { registry: Registry; proxy: NodeProxy; authenticate: (token: string) => UserInfo | undefined; authorize: (user: UserInfo, attrs: RequestAttributes) => void };

function statusBytes(e: ApiError): Uint8Array {
  const body = JSON.stringify(e.toStatus());
  return Buffer.from(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The TLS front's takeOver: a SPDY/3.1 upgrade of pods/NAME/portforward; undefined for anything else. */
export function spdyPortForward(deps: Deps) {
  return (head: RequestHead): Takeover | undefined => {
    if (!(head.headers.get("upgrade") ?? "").toLowerCase().startsWith("spdy/3.1")) return undefined;
    let url: URL;
    try {
      url = new URL(head.target, "https://skiff");
    } catch {
      return undefined;
    }
    const m = url.pathname.match(PORT_FORWARD_PATH);
    if (!m) return undefined;
    try {
      const header = head.headers.get("authorization") ?? "";
      const user = header.startsWith("Bearer ") ? deps.authenticate(header.slice(7).trim()) : undefined;
      if (!user) throw unauthorized();
      const [namespace, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
      deps.authorize(user, { verb: "create", kind: deps.registry.kinds.find((k) => k.kind === "Pod")!, namespace, name, subresource: "portforward" });
      const offered = (head.headers.get("x-stream-protocol-version") ?? "").split(",").map((p) => p.trim());
      if (!offered.includes(PORT_FORWARD_PROTOCOL)) throw new ApiError(400, "BadRequest", `port-forward needs the stream protocol ${PORT_FORWARD_PROTOCOL}`);
      const { open, ports } = portForwardRelay(url, namespace, name, deps, false);
      return {
        response: Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`),
        start: (io) => new PortForwardSession(io.write, io.end, open, ports),
      };
    } catch (e) {
      return { response: statusBytes(toApiError(e)) };
    }
  };
}
