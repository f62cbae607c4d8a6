// SPDY/3.1 framing, as far as Kubernetes' streaming protocols use it (kubectl
// port-forward speaks it, tunnelled in WebSocket binary messages): control frames
// (SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS,
// WINDOW_UPDATE) and data frames, read from a byte stream that may split or join
// frames anywhere. Header blocks are zlib streams that run across the whole
// connection, primed with SPDY/3's header dictionary.
import zlib from "node:zlib";

export const CONTROL = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
export const FLAG_FIN = 0x01;
/** RST_STREAM status codes used here. */
export const RST = { protocolError: 1, refusedStream: 3, cancel: 5, internalError: 6 } as const;

export type Frame =
  | { control: true; type: number; flags: number; payload: Uint8Array }
  | { control: false; streamId: number; flags: number; payload: Uint8Array };

/** A header block inflating to more than this ends the connection (a compression bomb). */
const MAX_HEADER_BLOCK = 256 * 1024;

/** Largest payload a frame's 24-bit length allows; data is cut into smaller pieces anyway. */
export const MAX_DATA_PAYLOAD = 64 * 1024;

/** The SPDY/3 header-compression dictionary: length-prefixed header words, then a literal tail. */
const DICTIONARY_WORDS = [
  "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
  "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
  "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date", "etag",
  "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
  "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
  "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
  "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
];
const DICTIONARY_TAIL =
  "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
  "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
  "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
  "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
  "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain," +
  "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

export const HEADER_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.flatMap((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return [len, Buffer.from(w, "latin1")];
  }),
  Buffer.from(DICTIONARY_TAIL, "latin1"),
]);

/** Cuts a byte stream into frames; bytes of an unfinished frame wait for the next push. */
export class FrameReader {
  private buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Frame[] {
    this.buf = this.buf.length ? concat(this.buf, chunk) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      const length = view.getUint32(4) & 0xffffff;
      if (this.buf.length < 8 + length) break;
      const flags = this.buf[4]!;
      const payload = this.buf.slice(8, 8 + length);
      const word = view.getUint32(0);
      if (word & 0x80000000) frames.push({ control: true, type: word & 0xffff, flags, payload });
      else frames.push({ control: false, streamId: word & 0x7fffffff, flags, payload });
      this.buf = this.buf.subarray(8 + length);
    }
    return frames;
  }
}

export function controlFrame(type: number, flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x80000000 | (3 << 16) | type);
  view.setUint32(4, (flags << 24) | payload.length);
  out.set(payload, 8);
  return out;
}

export function dataFrame(streamId: number, flags: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, streamId & 0x7fffffff);
  view.setUint32(4, (flags << 24) | payload.length);
  out.set(payload, 8);
  return out;
}

export function u32(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0));
  return out;
}

export function readU32(payload: Uint8Array, at: number): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(at);
}

export type Headers = Record<string, string[]>;

/** A header block's plain form: count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: Headers): Uint8Array {
  const parts: Uint8Array[] = [u32(Object.keys(headers).length)];
  const enc = new TextEncoder();
  for (const [name, values] of Object.entries(headers)) {
    const n = enc.encode(name.toLowerCase());
    const v = enc.encode(values.join("\0"));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return concat(...parts);
}

export function decodeHeaderBlock(block: Uint8Array): Headers {
  const dec = new TextDecoder();
  const headers: Headers = {};
  let at = 0;
  const need = (n: number) => {
    if (at + n > block.length) throw new Error("truncated SPDY header block");
  };
  need(4);
  const count = readU32(block, 0);
  at = 4;
  for (let i = 0; i < count; i++) {
    need(4);
    const nl = readU32(block, at);
    at += 4;
    need(nl);
    const name = dec.decode(block.subarray(at, at + nl)).toLowerCase();
    at += nl;
    need(4);
    const vl = readU32(block, at);
    at += 4;
    need(vl);
    headers[name] = dec.decode(block.subarray(at, at + vl)).split("\0");
    at += vl;
  }
  return headers;
}

/**
 * Header-block compression of one direction of a connection. Reading inflates the
 * peer's one zlib stream frame by frame; writing emits stored (uncompressed) deflate
 * blocks, each ended by a sync-flush marker, which any zlib reader accepts.
 */
export class HeaderCodec {
  private inflater?: zlib.Inflate;
  private wroteHeader = false;
  private chain: Promise<unknown> = Promise.resolve();

  /** Inflates one frame's header block; calls complete in the order they were made. */
  inflate(compressed: Uint8Array): Promise<Headers> {
    if (!this.inflater) {
      this.inflater = zlib.createInflate({ dictionary: HEADER_DICTIONARY });
      // Errors reach the pending call below; after a failure the connection is closed anyway.
      this.inflater.on("error", () => {});
    }
    const inflater = this.inflater;
    const next = this.chain.then(
      () =>
        new Promise<Headers>((resolve, reject) => {
          const out: Buffer[] = [];
          let size = 0;
          let settled = false;
          const finish = (e?: Error) => {
            if (settled) return;
            settled = true;
            inflater.off("data", onData);
            inflater.off("error", finish);
            if (e) return reject(e);
            try {
              resolve(decodeHeaderBlock(Buffer.concat(out)));
            } catch (err) {
              reject(err);
            }
          };
          const onData = (b: Buffer) => {
            size += b.length;
            if (size <= MAX_HEADER_BLOCK) return void out.push(b);
            finish(new Error("SPDY header block too large"));
            inflater.destroy();
          };
          inflater.on("data", onData);
          inflater.on("error", finish);
          if (inflater.destroyed) return finish(new Error("SPDY header compression failed earlier on this connection"));
          inflater.write(compressed);
          inflater.flush(zlib.constants.Z_SYNC_FLUSH, () => finish());
        }),
    );
    this.chain = next.catch(() => {});
    return next;
  }

  deflate(headers: Headers): Uint8Array {
    const plain = encodeHeaderBlock(headers);
    const parts: Uint8Array[] = [];
    if (!this.wroteHeader) {
      // zlib header: deflate, 32K window, no preset dictionary (a reader given one accepts that).
      parts.push(new Uint8Array([0x78, 0x01]));
      this.wroteHeader = true;
    }
    for (let at = 0; at < plain.length || at === 0; at += 0xffff) {
      const piece = plain.subarray(at, at + 0xffff);
      parts.push(new Uint8Array([0x00, piece.length & 0xff, piece.length >> 8, ~piece.length & 0xff, (~piece.length >> 8) & 0xff]), piece);
      if (plain.length === 0) break;
    }
    parts.push(new Uint8Array([0x00, 0x00, 0x00, 0xff, 0xff]));
    return concat(...parts);
  }

  close() {
    this.inflater?.close();
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
