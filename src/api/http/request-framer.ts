// Finds where each HTTP/1.1 request of a connection begins and ends, so the TLS front can
// look at every request line before Bun's parser does (that parser drops the connection
// without a word on a method it does not know). Only framing is parsed: the request line,
// Content-Length, Transfer-Encoding and Upgrade; everything else passes through untouched.

/** What the front does with the bytes it was given. */
export type FramerOutput =
  /** `framing`: a chunk-size line, a chunk's CRLF or a trailer line (not body data). */
  | { kind: "forward"; bytes: Uint8Array; framing?: true }
  /** With `parseHeads`: the head of an ordinary request (its body follows as "forward", then "end"). */
  | { kind: "request"; bytes: Uint8Array; head: RequestHead }
  /** With `parseHeads`: the request whose head came last is complete. */
  | { kind: "end" }
  /** The head of a request asking to switch protocols; a "tunnel" follows it. */
  | { kind: "upgrade"; bytes: Uint8Array; head: RequestHead }
  /** The connection stops being HTTP (a WebSocket or SPDY upgrade): pass every later byte as is. */
  | { kind: "tunnel" }
  | { kind: "reject"; code: number; reason: string; message: string };

export type FramerOptions = {
  /** Request line and headers together, in bytes. */
  maxHeadBytes: number;
  maxUrlBytes: number;
  /**
   * Methods passed on as they are. Any other well-formed method is passed on as GET with
   * the original in `methodHeader`, so the server answers it (401 or 405) in its own way.
   */
  methods: ReadonlySet<string>;
  methodHeader: string;
  /** Give every request's head (and mark its end), for a front that serves requests itself. */
  parseHeads?: boolean;
};

/** What the front may need of an upgrade request to answer it itself. */
export type RequestHead = { method: string; target: string; headers: Headers; version: string };

const CRLF_CRLF = Buffer.from("\r\n\r\n");
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type State =
  | { at: "head" }
  | { at: "body"; left: number }
  | { at: "chunk-size" }
  | { at: "chunk-data"; left: number }
  | { at: "chunk-end" }
  | { at: "trailers" }
  | { at: "tunnel" }
  | { at: "closed" };

export class RequestFramer {
  private state: State = { at: "head" };
  /** A request just completed: "end" is the next output. */
  private endPending = false;
  private pending: Buffer = Buffer.alloc(0);
  /** The header only the front may set: a request carrying it is refused. */
  private readonly reserved: string;

  constructor(private readonly opts: FramerOptions) {
    this.reserved = opts.methodHeader.toLowerCase();
  }

  /** Feeds bytes from the client; returns what to do, in order. */
  push(chunk: Uint8Array): FramerOutput[] {
    if (this.state.at === "tunnel") return [{ kind: "forward", bytes: chunk }];
    if (this.state.at === "closed") return [];
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: FramerOutput[] = [];
    for (;;) {
      if (this.endPending) {
        this.endPending = false;
        out.push({ kind: "end" });
      }
      if (!this.pending.length) break;
      const step = this.step();
      if (!step) break;
      out.push(step);
      if (this.endPending) continue;
      if (step.kind === "reject") {
        this.state = { at: "closed" };
        this.pending = Buffer.alloc(0);
        break;
      }
      // step() may have moved the state on (TypeScript keeps the narrowing from above).
      if ((this.state as State).at === "tunnel") {
        out.push({ kind: "tunnel" });
        if (this.pending.length) out.push({ kind: "forward", bytes: this.pending });
        this.pending = Buffer.alloc(0);
        break;
      }
    }
    // What waits for more bytes must not alias the caller's chunk.
    if (this.pending.length) this.pending = Buffer.from(this.pending);
    return out;
  }

  /** One step over the pending bytes, or undefined when more are needed. */
  private step(): FramerOutput | undefined {
    const s = this.state;
    switch (s.at) {
      case "head":
        return this.head();
      case "body":
      case "chunk-data": {
        const n = Math.min(s.left, this.pending.length);
        const bytes = this.take(n);
        s.left -= n;
        if (s.left === 0) this.state = s.at === "body" ? this.requestEnd() : { at: "chunk-end" };
        return { kind: "forward", bytes };
      }
      case "chunk-size": {
        const end = this.pending.indexOf("\r\n");
        if (end < 0) return this.pending.length > 1024 ? reject(400, "BadRequest", "a chunk size line is too long") : undefined;
        const line = this.pending.subarray(0, end).toString("latin1");
        const size = /^([0-9A-Fa-f]{1,8})(;.*)?$/.exec(line);
        if (!size) return reject(400, "BadRequest", "the request body's chunked encoding is malformed");
        const n = parseInt(size[1]!, 16);
        this.state = n === 0 ? { at: "trailers" } : { at: "chunk-data", left: n };
        return { kind: "forward", bytes: this.take(end + 2), framing: true };
      }
      case "chunk-end": {
        if (this.pending.length < 2) return undefined;
        if (this.pending[0] !== 13 || this.pending[1] !== 10) return reject(400, "BadRequest", "the request body's chunked encoding is malformed");
        this.state = { at: "chunk-size" };
        return { kind: "forward", bytes: this.take(2), framing: true };
      }
      case "trailers": {
        // Trailer lines, then an empty line.
        const end = this.pending.indexOf("\r\n");
        if (end < 0) return this.pending.length > this.opts.maxHeadBytes ? reject(431, "RequestHeaderFieldsTooLarge", "the request trailers are too large") : undefined;
        if (end === 0) this.state = this.requestEnd();
        return { kind: "forward", bytes: this.take(end + 2), framing: true };
      }
      default:
        return undefined;
    }
  }

  private head(): FramerOutput | undefined {
    // Bare line ends before a request are ignored by HTTP/1.1 servers; pass them on.
    let lead = 0;
    while (lead < this.pending.length && (this.pending[lead] === 13 || this.pending[lead] === 10)) lead++;
    if (lead) return { kind: "forward", bytes: this.take(lead) };
    const lineEnd = this.pending.indexOf("\r\n");
    const firstLine = lineEnd < 0 ? this.pending : this.pending.subarray(0, lineEnd);
    // The method can be judged as soon as its first space arrives.
    const space = firstLine.indexOf(32);
    const methodEnd = space < 0 ? (lineEnd < 0 ? -1 : firstLine.length) : space;
    let method = "";
    if (methodEnd >= 0) {
      method = firstLine.subarray(0, methodEnd).toString("latin1");
      if (!this.opts.methods.has(method) && (!TOKEN.test(method) || method.length > 32)) return reject(400, "BadRequest", "the request line is malformed");
    } else if (firstLine.length > 32) {
      return reject(400, "BadRequest", "the request line is malformed");
    }
    if (lineEnd < 0) {
      if (this.pending.length > this.opts.maxUrlBytes + 64) return reject(414, "RequestURITooLong", `the request URL is longer than ${this.opts.maxUrlBytes} bytes`);
      return undefined;
    }
    const parts = firstLine.toString("latin1").split(" ");
    if (parts.length !== 3 || !parts[1] || !/^HTTP\/1\.[01]$/.test(parts[2]!)) return reject(400, "BadRequest", "the request line is malformed");
    if (parts[1].length > this.opts.maxUrlBytes) return reject(414, "RequestURITooLong", `the request URL is longer than ${this.opts.maxUrlBytes} bytes`);
    const end = this.pending.indexOf(CRLF_CRLF);
    if (end < 0) {
      if (this.pending.length > this.opts.maxHeadBytes) return reject(431, "RequestHeaderFieldsTooLarge", `the request headers are larger than ${this.opts.maxHeadBytes} bytes`);
      return undefined;
    }
    if (end + 4 > this.opts.maxHeadBytes) return reject(431, "RequestHeaderFieldsTooLarge", `the request headers are larger than ${this.opts.maxHeadBytes} bytes`);
    const headers = this.pending.subarray(lineEnd + 2, end + 2).toString("latin1");
    let length = -1;
    let chunked = false;
    let upgrade: Headers | undefined = this.opts.parseHeads ? new Headers() : undefined;
    let upgrading = false;
    for (const line of headers.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === this.reserved) return reject(400, "BadRequest", `the request carries the reserved header ${name}`);
      if (name === "content-length") {
        if (!/^\d{1,15}$/.test(value)) return reject(400, "BadRequest", "the Content-Length header is not a number");
        // Two lengths, or a length beside chunked encoding, could be read another way downstream.
        if (length >= 0 && length !== Number(value)) return reject(400, "BadRequest", "the request has conflicting Content-Length headers");
        length = Number(value);
      } else if (name === "transfer-encoding") {
        chunked = value.toLowerCase().split(",").map((v) => v.trim()).includes("chunked");
        if (!chunked) return reject(400, "BadRequest", `transfer encoding ${value.slice(0, 32)} is not supported`);
      } else if (name === "upgrade") {
        upgrading = true;
        upgrade ??= new Headers();
      }
    }
    if (upgrade) {
      for (const line of headers.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        try {
          upgrade.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        } catch {
          return reject(400, "BadRequest", "the request has a malformed header");
        }
      }
    }
    if (chunked && length >= 0) return reject(400, "BadRequest", "the request has both Content-Length and Transfer-Encoding");
    const head = this.take(end + 4);
    const bytes = this.opts.methods.has(method)
      ? head
      : Buffer.concat([Buffer.from(`GET ${parts[1]} ${parts[2]}\r\n${this.opts.methodHeader}: ${method}\r\n`, "latin1"), head.subarray(lineEnd + 2)]);
    if (upgrading) this.state = { at: "tunnel" };
    else if (chunked) this.state = { at: "chunk-size" };
    else if (length > 0) this.state = { at: "body", left: length };
    else this.state = this.requestEnd();
    const parsed = { method, target: parts[1], headers: upgrade!, version: parts[2]! };
    if (upgrading) return { kind: "upgrade", bytes, head: parsed };
    if (this.opts.parseHeads) return { kind: "request", bytes, head: parsed };
    return { kind: "forward", bytes };
  }

  /** Back to reading heads; with parseHeads an "end" is given first. */
  private requestEnd(): State {
    if (this.opts.parseHeads) this.endPending = true;
    return { at: "head" };
  }

  private take(n: number): Buffer {
    const bytes = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    return bytes;
  }
}

function reject(code: number, reason: string, message: string): FramerOutput {
  return { kind: "reject", code, reason, message };
}
