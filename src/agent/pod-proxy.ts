// pods/proxy and services/proxy end here: the API server sends the request to the agent
// of the pod's node, which makes it to the pod's IP and port and streams the answer back.
import type { Agent } from "./agent.ts";
import { podAddress } from "./port-forward.ts";
import { forwardBody, forwardHeaders, passBack, PROXY_ERROR_HEADER } from "../api/proxy-headers.ts";

/** `/podProxy/NS/POD/SCHEME/PORT/rest…` */
export async function proxyToPod(agent: Agent, req: Request, url: URL): Promise<Response> {
  const m = url.pathname.match(/^\/podProxy\/([^/]+)\/([^/]+)\/(https?)\/(\d+)(\/.*)?$/);
  if (!m) return new Response("expected /podProxy/NAMESPACE/POD/SCHEME/PORT/PATH\n", { status: 400 });
  const [, ns, pod, scheme, port, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  const address = await podAddress(agent, decodeURIComponent(ns), decodeURIComponent(pod));
  if ("error" in address) return proxyError(address.error);
  const headers = forwardHeaders(req.headers);
  const host = address.ip.includes(":") ? `[${address.ip}]` : address.ip;
  try {
    const res = await fetch(`${scheme}://${host}:${port}${rest ?? "/"}${url.search}`, {
      method: req.method,
      headers,
      body: await forwardBody(req),
      duplex: "half",
      redirect: "manual",
      decompress: false,
      signal: req.signal,
      // As upstream's apiserver: a pod's serving certificate is not verified.
      tls: { rejectUnauthorized: false },
    } as RequestInit);
    return passBack(res);
  } catch (e) {
    return proxyError(`error trying to reach pod ${decodeURIComponent(pod)} on port ${port}: ${(e as Error).message}`);
  }
}

/** The agent's own failure (not the pod's answer): the API server turns it into a Status. */
function proxyError(message: string): Response {
  return new Response(message, { status: 503, headers: { [PROXY_ERROR_HEADER]: "1" } });
}
