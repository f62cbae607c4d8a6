// The API server's own TLS listener. Bun.serve's HTTP parser closes a connection without a
// reply on a method it does not know (`FOO`) or a lowercase one (`get`), before any code of
// ours runs, and tells nothing of connections opening or closing. So the public port is a
// Bun.listen TLS socket of skiff's own: it counts connections per client address, frames
// each request to find its method, and passes the bytes on to the HTTP server on a loopback
// port, one upstream connection per client connection. A method the server does not serve
// travels as GET with the real one in a header only the front may set; the API answers it
// (401 without a valid token, else 405) as it answers any other request. The HTTP server
// learns a request's client from the port of the upstream connection it came in on, and
// refuses connections the front did not make.
// (The upstream is TCP, not a unix socket: Bun drops a per-request idle timeout set before
// an asynchronous response on unix sockets, and the front door relies on those.)
import type { Socket, TCPSocketListener } from "bun";
import { RequestFramer, type RequestHead } from "./request-framer.ts";
import { keepsAlive, REASONS, toRequest, writeResponse } from "./http1-exchange.ts";

/** The method of a request the front passed on as GET because Bun's parser would drop it. */
export const METHOD_HEADER = "x-skiff-method";
/** Bytes waiting for a slow peer before the other side stops being read. */
const HIGH_WATER = 1024 * 1024;

/** A connection the front serves itself after an upgrade request (a protocol Bun.serve cannot switch to). */
export type Takeover = {
  /** Written first: a 101 head, or a whole refusal. */
  response: Uint8Array;
  /** Absent for a refusal (the connection closes after it). */
  start?: (io: { write(bytes: Uint8Array): boolean; end(): void }) => RawSession;
};
export type RawSession = { receive(chunk: Uint8Array): void; drain(): void; close(): void };

/** A client connection as the in-process handler sees it. */
export type ClientConnection = {
  address: string;
  /** Seconds the connection may stay idle after this request's response (0: no limit). */
  setIdleTimeout(seconds: number): void;
};

/** What the front needs to serve ordinary requests itself. */
export type InProcessServing = {
  handle: (req: Request, conn: ClientConnection) => Promise<Response | undefined>;
  /** Idle seconds of a connection until a request lengthens them. */
  idleSeconds: number;
  /** Body bytes a request may carry (413 past it). */
  maxBodyBytes: number;
};

export type TlsFrontOptions = {
  hostname: string;
  port: number;
  tls: { cert: string; key: string };
  /** The loopback port the HTTP server listens on. */
  upstreamPort: number;
  methods: ReadonlySet<string>;
  maxUrlBytes: number;
  maxHeadBytes: number;
  maxConnectionsPerAddress: number;
  /** Seconds a connection may stay silent before its first request (TLS handshake included). */
  firstRequestSeconds: number;
  /** Logs what went wrong with a connection, once. */
  log?: (line: string) => void;
  /** Offered every upgrade request: a takeover serves it here instead of the HTTP server. */
  takeOver?: (head: RequestHead, clientAddress: string) => Takeover | undefined;
  /**
   * Serve ordinary requests in this process (one descriptor per client connection); only
   * upgrades the front does not take over go to the HTTP server. Without it every
   * connection is passed on (three descriptors each).
   */
  inProcess?: InProcessServing;
};

/** A request framed and waiting for its turn on its connection. */
type Pending = { head: RequestHead; body: Uint8Array[]; bodyBytes: number; complete: boolean };

type Side = { socket?: Socket<unknown>; queue: Buffer[]; queued: number; ended: boolean };

type Conn = {
  address: string;
  /** The local port of the upstream connection, once open. */
  upstreamPort?: number;
  framer: RequestFramer;
  client: Side;
  server: Side;
  overLimit: boolean;
  sawRequest: boolean;
  closed: boolean;
  connecting?: boolean;
  /** Set once the front answers the connection itself (a takeover). */
  taken?: boolean;
  raw?: RawSession;
  /** In-process serving: requests in arrival order; the first is being answered. */
  requests: Pending[];
  serving: boolean;
  /** Aborted when the connection closes: ends the handler's streams (watches). */
  gone: AbortController;
  idleSeconds: number;
  drainWaiters: (() => void)[];
};

export type TlsFront = {
  port: number;
  /** The client behind an upstream connection from this local port, or undefined when the front did not make it. */
  clientOf(upstreamPort: number): string | undefined;
  stop(): void;
};

export function startTlsFront(opts: TlsFrontOptions): TlsFront {
  const perAddress = new Map<string, number>();
  const open = new Set<Conn>();
  const byUpstreamPort = new Map<number, Conn>();

  function statusBody(code: number, reason: string, message: string): string {
    return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
  }

  function statusBytes(code: number, reason: string, message: string): Buffer {
    const body = statusBody(code, reason, message);
    const text = REASONS[code] ?? "Bad Request";
    return Buffer.from(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${code === 429 ? "Retry-After: 1\r\n" : ""}\r\n${body}`);
  }

  /** Writes what it can, queues the rest; the peer's reading pauses while too much waits. */
  function send(to: Side, bytes: Uint8Array, from: Side): boolean {
    if (to.ended) return false;
    if (!to.socket || to.queued) {
      to.queue.push(Buffer.from(bytes));
      to.queued += bytes.byteLength;
    } else {
      const n = to.socket.write(bytes);
      if (n < bytes.byteLength) {
        to.queue.push(Buffer.from(bytes.subarray(Math.max(n, 0))));
        to.queued += bytes.byteLength - Math.max(n, 0);
      }
    }
    if (to.queued > HIGH_WATER) from.socket?.pause();
    return to.queued === 0;
  }

  function flush(to: Side, from: Side) {
    if (!to.socket) return;
    while (to.queue.length) {
      const head = to.queue[0]!;
      const n = to.socket.write(head);
      if (n < head.byteLength) {
        to.queue[0] = head.subarray(Math.max(n, 0));
        to.queued -= Math.max(n, 0);
        return;
      }
      to.queue.shift();
      to.queued -= head.byteLength;
    }
    from.socket?.resume();
    if (to.ended) to.socket.end();
    const c = (to.socket as Socket<Conn | undefined>).data;
    if (c && to === c.client) for (const w of c.drainWaiters.splice(0)) w();
  }

  function endSide(side: Side) {
    if (side.ended) return;
    side.ended = true;
    if (side.socket && !side.queued) side.socket.end();
  }

  function close(c: Conn) {
    if (c.closed) return;
    c.closed = true;
    open.delete(c);
    if (c.upstreamPort !== undefined && byUpstreamPort.get(c.upstreamPort) === c) byUpstreamPort.delete(c.upstreamPort);
    const n = (perAddress.get(c.address) ?? 1) - 1;
    if (n > 0) perAddress.set(c.address, n);
    else perAddress.delete(c.address);
    endSide(c.client);
    endSide(c.server);
    c.raw?.close();
    c.gone.abort();
    for (const w of c.drainWaiters.splice(0)) w();
  }

  function refuse(c: Conn, code: number, reason: string, message: string) {
    send(c.client, statusBytes(code, reason, message), c.server);
    c.server.ended = true;
    c.server.socket?.terminate();
    endSide(c.client);
  }

  function connectUpstream(c: Conn) {
    c.connecting = true;
    Bun.connect<Conn>({
      hostname: "127.0.0.1",
      port: opts.upstreamPort,
      data: c,
      socket: {
        open(s) {
          if (c.closed) return void s.end();
          c.server.socket = s as Socket<unknown>;
          c.upstreamPort = s.localPort;
          byUpstreamPort.set(s.localPort, c);
          flush(c.server, c.client);
        },
        data(_s, chunk) {
          send(c.client, chunk, c.server);
        },
        drain() {
          flush(c.server, c.client);
        },
        close() {
          c.server.ended = true;
          // A connection the front took over does not end with the HTTP server's.
          if (!c.taken) endSide(c.client);
        },
        error() {
          c.server.ended = true;
          if (!c.taken) endSide(c.client);
        },
      },
    }).catch((e) => {
      opts.log?.(`skiff server: cannot reach the API handler: ${(e as Error).message}`);
      refuse(c, 503, "ServiceUnavailable", "the API server is not ready");
    });
  }

  /** An upgrade the front answers itself (opts.takeOver), or the head passed on as any other. */
  function takeOverOrForward(c: Conn, head: RequestHead, bytes: Uint8Array) {
    // An upgraded connection may be quiet on the client's side for as long as the stream lasts
    // (exec output only flows towards the client, which does not reset a socket's timeout):
    // the HTTP server's WebSocket bounds or the takeover session govern it from here.
    c.client.socket?.timeout(0);
    let taken: Takeover | undefined;
    try {
      taken = opts.takeOver?.(head, c.address);
    } catch (e) {
      opts.log?.(`skiff server: an upgrade failed: ${(e as Error).message}`);
      return refuse(c, 500, "InternalError", "Internal error occurred");
    }
    if (!taken) {
      if (!c.server.socket && !c.connecting) connectUpstream(c);
      return void send(c.server, bytes, c.client);
    }
    c.taken = true;
    c.server.ended = true;
    c.server.socket?.terminate();
    send(c.client, taken.response, c.server);
    if (!taken.start) return endSide(c.client);
    c.raw = taken.start({ write: (b) => send(c.client, b, c.server), end: () => endSide(c.client) });
  }

  /** Adds a framed part of a request to the connection's queue; false when the connection was refused. */
  function takeRequestPart(c: Conn, out: { kind: "forward"; bytes: Uint8Array; framing?: true } | { kind: "request"; head: RequestHead } | { kind: "end" }): boolean {
    const serving = opts.inProcess!;
    const last = c.requests.at(-1);
    if (out.kind === "request") {
      c.requests.push({ head: out.head, body: [], bodyBytes: 0, complete: false });
      // A client waiting for 100 Continue sends its body only after it.
      if (out.head.headers.get("expect")?.toLowerCase() === "100-continue" && c.requests.length === 1) send(c.client, Buffer.from("HTTP/1.1 100 Continue\r\n\r\n"), c.server);
      // Quiet while reading a request's body and answering it; idle timeouts start again after.
      c.client.socket?.timeout(0);
    } else if (out.kind === "end") {
      if (last) last.complete = true;
      void serveNext(c);
    } else if (last && !last.complete && !out.framing) {
      last.bodyBytes += out.bytes.byteLength;
      if (last.bodyBytes > serving.maxBodyBytes) {
        refuse(c, 413, "RequestEntityTooLarge", `the request body is larger than ${serving.maxBodyBytes} bytes`);
        return false;
      }
      last.body.push(Buffer.from(out.bytes));
    }
    return true;
  }

  /** Answers the connection's requests one after another, in order. */
  async function serveNext(c: Conn) {
    if (c.serving) return;
    c.serving = true;
    try {
      while (!c.closed && c.requests[0]?.complete) {
        const p = c.requests.shift()!;
        const close = !keepsAlive(p.head);
        await serveOne(c, p, close);
        if (close) {
          endSide(c.client);
          return;
        }
      }
      // Waiting for the next request: the connection's idle bound applies again.
      if (!c.closed && !c.requests.length) c.client.socket?.timeout(c.idleSeconds);
    } finally {
      c.serving = false;
    }
  }

  async function serveOne(c: Conn, p: Pending, close: boolean) {
    const serving = opts.inProcess!;
    const method = opts.methods.has(p.head.method) ? p.head.method : "GET";
    if (method !== p.head.method) p.head.headers.set(METHOD_HEADER, p.head.method);
    const req = toRequest(p.head, p.body, `${opts.hostname.includes(":") ? `[${opts.hostname}]` : opts.hostname}:${listener.port}`, c.gone.signal, method);
    let res: Response | undefined;
    if (typeof req === "string") res = new Response(statusBody(400, "BadRequest", req), { status: 400, headers: { "Content-Type": "application/json" } });
    else {
      try {
        res = await serving.handle(req, { address: c.address, setIdleTimeout: (seconds) => (c.idleSeconds = seconds) });
      } catch (e) {
        opts.log?.(`skiff server: a request failed: ${(e as Error).message}`);
      }
      res ??= new Response(statusBody(500, "InternalError", "Internal error occurred"), { status: 500, headers: { "Content-Type": "application/json" } });
    }
    if (c.closed) return void (await res.body?.cancel().catch(() => {}));
    const out = {
      write: (bytes: Uint8Array) => send(c.client, bytes, c.server),
      drained: () => (c.closed || c.client.queued <= HIGH_WATER / 4 ? Promise.resolve() : new Promise<void>((r) => c.drainWaiters.push(r))),
    };
    await writeResponse(res, out, { head: p.head.method === "HEAD", close, stream: isStreaming(p.head.target), gone: () => c.closed }).catch((e) => {
      opts.log?.(`skiff server: a response could not be written: ${(e as Error).message}`);
      close = true;
    });
  }

  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: opts.hostname,
    port: opts.port,
    tls: opts.tls,
    socket: {
      open(s) {
        const address = s.remoteAddress;
        const n = (perAddress.get(address) ?? 0) + 1;
        perAddress.set(address, n);
        const c: Conn = {
          address,
          framer: new RequestFramer({ maxHeadBytes: opts.maxHeadBytes, maxUrlBytes: opts.maxUrlBytes, methods: opts.methods, methodHeader: METHOD_HEADER, parseHeads: !!opts.inProcess }),
          client: { socket: s as Socket<unknown>, queue: [], queued: 0, ended: false },
          server: { queue: [], queued: 0, ended: false },
          overLimit: n > opts.maxConnectionsPerAddress,
          sawRequest: false,
          closed: false,
          requests: [],
          serving: false,
          gone: new AbortController(),
          idleSeconds: opts.inProcess?.idleSeconds ?? 0,
          drainWaiters: [],
        };
        s.data = c;
        open.add(c);
        s.timeout(opts.firstRequestSeconds);
        if (!c.overLimit && !opts.inProcess) connectUpstream(c);
      },
      data(s, chunk) {
        const c = s.data;
        if (c.closed || c.client.ended) return;
        if (c.overLimit) {
          return refuse(c, 429, "TooManyRequests", `too many connections from ${c.address} (limit ${opts.maxConnectionsPerAddress})`);
        }
        if (c.raw) return c.raw.receive(chunk);
        for (const out of c.framer.push(chunk)) {
          // takeOverOrForward may have handed the connection over (TypeScript keeps the narrowing from above).
          const raw = c.raw as RawSession | undefined;
          if (raw) {
            if (out.kind === "forward") raw.receive(out.bytes);
          } else if (opts.inProcess && out.kind !== "upgrade" && out.kind !== "tunnel" && out.kind !== "reject" && !c.server.socket && !c.connecting) {
            if (!takeRequestPart(c, out)) return;
          } else if (out.kind === "forward") send(c.server, out.bytes, c.client);
          else if (out.kind === "upgrade") takeOverOrForward(c, out.head, out.bytes);
          else if (out.kind === "reject") return refuse(c, out.code, out.reason, out.message);
          if (c.client.ended) return;
        }
        if (!c.sawRequest && !opts.inProcess) {
          // From the first request on, the HTTP server's own idle timeouts govern the connection.
          c.sawRequest = true;
          s.timeout(0);
        }
      },
      // A socket that fails before open (a TLS handshake error) has no connection yet.
      drain(s) {
        if (!s.data) return;
        flush(s.data.client, s.data.server);
        if (!s.data.client.queued) s.data.raw?.drain();
      },
      timeout(s) {
        if (!s.data) return void s.terminate();
        s.data.server.socket?.terminate();
        close(s.data);
      },
      close(s) {
        if (s.data) close(s.data);
      },
      error(s, e) {
        if (s.data) close(s.data);
        else opts.log?.(`skiff server: a connection failed before it opened: ${e.message}`);
      },
    },
  });

  return {
    port: listener.port,
    clientOf: (port) => byUpstreamPort.get(port)?.address,
    stop() {
      listener.stop(true);
      for (const c of [...open]) {
        c.server.socket?.terminate();
        c.client.socket?.terminate();
        close(c);
      }
    },
  };
}

/** Responses that stream for as long as the client wants (watches, followed logs): written chunked as they come. */
function isStreaming(target: string): boolean {
  const query = target.indexOf("?");
  const path = query < 0 ? target : target.slice(0, query);
  if (/\/watch\//.test(path)) return true;
  if (query < 0) return false;
  const params = new URLSearchParams(target.slice(query + 1));
  const watch = params.get("watch");
  return watch === "true" || watch === "1" || params.get("follow") === "true";
}
