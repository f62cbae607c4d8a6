// What every HTTPS listener of skiff (the API server, the node agent) does before and
// around its own handler: a request whose target or Host Bun could not make a URL of gets
// 400, an over-long URL 414, over-large headers 431, a client with too many requests in
// flight 429; anything thrown becomes a Status (a 500 without details, logged); and
// each connection's idle timeout follows what the client has proven: short before a valid
// credential, longer after, none while a watch or log stream runs.
import type { Server } from "bun";
import { ApiError, toApiError } from "../errors.ts";
import { ClientLimits } from "./client-limits.ts";
import { raiseParserHeaderLimit } from "./header-limit.ts";

export const MAX_URL_BYTES = 32 * 1024;
export const MAX_HEADER_BYTES = 64 * 1024;
/** Idle seconds before the client showed a valid credential (TLS handshake included). */
export const ANONYMOUS_IDLE_SECONDS = 10;
/** Idle seconds of an authenticated keep-alive connection, as kube-apiserver's 90 s. */
export const AUTHENTICATED_IDLE_SECONDS = 90;
/** Generous for kubectl, agents and their watches; far below what exhausts descriptors. */
export const MAX_REQUESTS_PER_ADDRESS = 400;
/** Open connections per client address on the API port (kubectl, Helm and an agent use a few each). */
export const MAX_CONNECTIONS_PER_ADDRESS = 256;

export type FrontDoorOptions = {
  /** True when the request carries a credential this listener accepts. */
  authenticated: (req: Request) => boolean;
  /**
   * Behind the TLS front: the client address of the connection from this loopback port, or
   * undefined when the front did not make it (then the request is refused).
   */
  clientOf?: (port: number) => string | undefined;
  maxRequestsPerAddress?: number;
};

/** The handler; `server` is absent for requests the TLS front serves in process (never upgrades). */
type Handler<T> = (req: Request, server?: Server<T>) => Response | undefined | Promise<Response | undefined>;

/** The client of a request and its connection's idle bound, however the request arrived. */
export type RequestConnection = { address: string | undefined; setIdleTimeout(seconds: number): void };

export function statusResponse(e: ApiError): Response {
  return new Response(JSON.stringify(e.toStatus()), { status: e.code, headers: { "Content-Type": "application/json" } });
}

/** The bearer token of a request, "" when it has none. */
export function bearerToken(req: Request): string {
  const header = req.headers.get("authorization") ?? "";
  return header.startsWith("Bearer ") ? header.slice(7).trim() : "";
}

/** Bun.serve's `fetch` and `error` around `handler`, and `serve` for the TLS front's in-process requests. */
export function frontDoor<T>(handler: Handler<T>, opts: FrontDoorOptions) {
  raiseParserHeaderLimit();
  const limits = new ClientLimits(opts.maxRequestsPerAddress ?? MAX_REQUESTS_PER_ADDRESS);

  async function fetch(req: Request, server: Server<T>): Promise<Response | undefined> {
    const checked = checkRequest(req, server);
    if (checked instanceof ApiError) return statusResponse(checked);
    const peer = server.requestIP(req);
    const address = opts.clientOf ? (peer ? opts.clientOf(peer.port) : undefined) : peer?.address;
    return serve(checked, { address, setIdleTimeout: (seconds) => server.timeout(req, seconds) }, server);
  }

  async function serve(req: Request, conn: RequestConnection, server?: Server<T>): Promise<Response | undefined> {
    const checked = server ? req : checkRequest(req);
    if (checked instanceof ApiError) return statusResponse(checked);
    const address = conn.address;
    if (address === undefined) return statusResponse(new ApiError(403, "Forbidden", "connections are served on the API port only"));
    const release = limits.acquire(address);
    if (!release) {
      return statusResponse(new ApiError(429, "TooManyRequests", `too many requests in flight from ${address} (limit ${limits.maxPerAddress})`, { retryAfterSeconds: 1 }));
    }
    const longRunning = isLongRunning(checked);
    if (longRunning) checked.signal.addEventListener("abort", release, { once: true });
    let res: Response | undefined;
    try {
      if (opts.authenticated(checked)) conn.setIdleTimeout(longRunning ? 0 : AUTHENTICATED_IDLE_SECONDS);
      res = await handler(checked, server);
    } catch (e) {
      res = statusResponse(toApiError(e));
    }
    if (!res?.body || !longRunning) {
      release();
      return res;
    }
    // A watch or followed log holds its request until the stream ends; then the
    // connection gets back an idle timeout, or it could stay open forever.
    const done = () => {
      release();
      conn.setIdleTimeout(AUTHENTICATED_IDLE_SECONDS);
    };
    const body = res.body.pipeThrough(new TransformStream({ flush: done, cancel: () => release() } as Transformer & { cancel: () => void }));
    return new Response(body, res);
  }

/** Bun.serve's `error`: what escaped fetch (a rejected stream...) answered without details. */
  function error(e: Error): Response {
    return statusResponse(toApiError(e));
  }

  return { fetch, error, serve };
}

/**
 * The request the handler gets, or the Status to answer: a target Bun made a URL of, a Host
 * it could read, sizes within bounds.
 */
function checkRequest<T>(req: Request, server?: Server<T>): Request | ApiError {
  // Bun leaves req.url relative ("/livez") when the Host header is missing, empty or malformed.
  if (!req.url.startsWith("https://") && !req.url.startsWith("http://")) {
    if (req.headers.get("host")) return new ApiError(400, "BadRequest", "the Host header of the request is not a valid host");
    if (!req.url.startsWith("/")) return new ApiError(400, "BadRequest", "the request target is not a path");
    // HTTP/1.0 without a Host, or an empty one: served as net/http does, on the listener's own address.
    if (!server) return new ApiError(400, "BadRequest", "the request target is not a path");
    req = new Request(new URL(req.url, server.url).href, req);
  }
  if (req.url.length > MAX_URL_BYTES) return new ApiError(414, "RequestURITooLong", `the request URL is longer than ${MAX_URL_BYTES} bytes`);
  let bytes = 0;
  for (const [name, value] of req.headers) bytes += name.length + value.length + 4;
  if (bytes > MAX_HEADER_BYTES) return new ApiError(431, "RequestHeaderFieldsTooLarge", `the request headers are larger than ${MAX_HEADER_BYTES} bytes`);
  return req;
}

/** Requests whose response streams for as long as the client wants: watches, followed logs. */
function isLongRunning(req: Request): boolean {
  const query = req.url.indexOf("?");
  if (query < 0) return /\/watch\//.test(req.url);
  const params = new URLSearchParams(req.url.slice(query + 1));
  const watch = params.get("watch");
  return watch === "true" || watch === "1" || params.get("follow") === "true" || /\/watch\//.test(req.url.slice(0, query));
}
