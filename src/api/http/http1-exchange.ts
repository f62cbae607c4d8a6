// One HTTP/1.1 request served in the TLS front's own process: the framed head and body made
// into a web Request, and the handler's Response written back on the client's connection
// (with a Content-Length, or chunked while it streams, as a watch does). This spares the
// loopback connection to Bun.serve that would otherwise carry it: one descriptor per client
// connection instead of three, which is what lets ten thousand agents each hold a watch.
import type { RequestHead } from "./request-framer.ts";

export type ReplyWriter = {
  /** Writes (or queues) bytes; false when the peer is slow and the caller should wait for drained(). */
  write(bytes: Uint8Array): boolean;
  drained(): Promise<void>;
};

/** Reason phrases of the status lines the front writes (its own refusals and served responses). */
export const REASONS: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
  301: "Moved Permanently", 302: "Found", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
  408: "Request Timeout", 409: "Conflict", 410: "Gone", 413: "Payload Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
  422: "Unprocessable Entity", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

const encoder = new TextEncoder();
const CRLF = encoder.encode("\r\n");
const LAST_CHUNK = encoder.encode("0\r\n\r\n");

/** Whether the connection stays open after this request (HTTP/1.1 unless "close"; HTTP/1.0 only with keep-alive). */
export function keepsAlive(head: RequestHead): boolean {
  const connection = (head.headers.get("connection") ?? "").toLowerCase();
  if (head.version === "HTTP/1.0") return connection.includes("keep-alive");
  return !connection.includes("close");
}

/**
 * The web Request for a framed head: its URL from the Host header (or the listener's own
 * address when there is none, as net/http serves), or a message saying why there is none.
 */
export function toRequest(head: RequestHead, body: Uint8Array[], listener: string, signal: AbortSignal, method: string): Request | string {
  const host = head.headers.get("host") ?? "";
  if (!head.target.startsWith("/")) return "the request target is not a path";
  // A Host with a path, a query or credentials in it is no host either.
  if (/[\s/?#@\\]/.test(host)) return "the Host header of the request is not a valid host";
  let url: URL;
  try {
    url = new URL(`https://${host || listener}${head.target}`);
  } catch {
    return host ? "the Host header of the request is not a valid host" : "the request target is not a path";
  }
  const hasBody = method !== "GET" && method !== "HEAD" && body.length > 0;
  return new Request(url.href, { method, headers: head.headers, body: hasBody ? Buffer.concat(body) : undefined, signal });
}

/** Writes `res` as the reply to a request; resolves when it is all written (or the connection is gone). */
export async function writeResponse(res: Response, out: ReplyWriter, opts: { head: boolean; close: boolean; stream: boolean; gone: () => boolean }): Promise<void> {
  const status = res.status;
  const noBody = opts.head || status === 204 || status === 304 || (status >= 100 && status < 200);
  let lines = `HTTP/1.1 ${status} ${res.statusText || REASONS[status] || "Unknown"}\r\n`;
  for (const [name, value] of res.headers) {
    if (name === "content-length" || name === "transfer-encoding" || name === "connection") continue;
    lines += `${name}: ${value}\r\n`;
  }
  if (opts.close) lines += "Connection: close\r\n";
  const stream = opts.stream || res.headers.get("transfer-encoding")?.toLowerCase() === "chunked";
  if (noBody || !res.body) {
    if (!noBody || opts.head) lines += `Content-Length: ${res.body && opts.head ? (res.headers.get("content-length") ?? "0") : "0"}\r\n`;
    out.write(encoder.encode(lines + "\r\n"));
    await res.body?.cancel().catch(() => {});
    return;
  }
  if (!stream) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    out.write(encoder.encode(`${lines}Content-Length: ${bytes.byteLength}\r\n\r\n`));
    if (!out.write(bytes)) await out.drained();
    return;
  }
  out.write(encoder.encode(`${lines}Transfer-Encoding: chunked\r\n\r\n`));
  const reader = res.body.getReader();
  try {
    for (;;) {
      if (opts.gone()) return void (await reader.cancel().catch(() => {}));
      const { done, value } = await reader.read();
      if (done) break;
      if (!value?.byteLength || opts.gone()) continue;
      out.write(encoder.encode(value.byteLength.toString(16) + "\r\n"));
      out.write(value);
      if (!out.write(CRLF)) await out.drained();
    }
    out.write(LAST_CHUNK);
  } finally {
    reader.releaseLock();
  }
}
