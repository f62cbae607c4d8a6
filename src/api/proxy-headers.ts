// What a proxy passes on, for the API server's proxy subresources and the agent's end of them.

/** Headers that belong to one hop, or carry this hop's credential, and are never passed on. */
export const HOP_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host", "authorization", "content-length"]);

/** Set by the agent on an answer that is its own failure to reach the pod, not the pod's answer. */
export const PROXY_ERROR_HEADER = "x-skiff-proxy-error";

/** A request's headers fit to pass on: hop-by-hop ones and skiff's own (x-skiff-*) left out. */
export function forwardHeaders(from: Headers): Headers {
  const out = new Headers();
  from.forEach((v, k) => {
    if (!HOP_HEADERS.has(k) && !k.startsWith("x-skiff-")) out.set(k, v);
  });
  return out;
}

/**
 * The body to pass on: a body of known length is passed whole, with that length (servers
 * such as busybox httpd read no chunked request body); one sent chunked streams on.
 */
export async function forwardBody(req: Request): Promise<ArrayBuffer | ReadableStream<Uint8Array> | undefined> {
  if (req.method === "GET" || req.method === "HEAD") return undefined;
  return req.headers.get("content-length") !== null ? await req.arrayBuffer() : (req.body ?? undefined);
}

/** A proxied answer, streamed, with its hop-by-hop headers removed. */
export function passBack(res: Response): Response {
  const out = new Headers();
  res.headers.forEach((v, k) => {
    if ((!HOP_HEADERS.has(k) || k === "content-length") && !k.startsWith("x-skiff-")) out.append(k, v);
  });
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers: out });
}
