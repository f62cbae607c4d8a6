// The TLS front's request framing: where each request of a connection starts and ends,
// whatever way its bytes arrive, and which requests it answers itself.
import { describe, expect, test } from "bun:test";
import { RequestFramer, type FramerOutput } from "../../../src/api/http/request-framer.ts";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const framer = () => new RequestFramer({ maxHeadBytes: 1024, maxUrlBytes: 256, methods: METHODS, methodHeader: "x-skiff-method" });

/** Feeds `input` in pieces of `size` bytes; returns the forwarded text and the outputs that were not bytes. */
function feed(input: string, size = input.length, f = framer()): { text: string; events: FramerOutput[] } {
  const bytes = Buffer.from(input, "latin1");
  let text = "";
  const events: FramerOutput[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    for (const out of f.push(bytes.subarray(i, i + size))) {
      if (out.kind === "forward" || out.kind === "upgrade") text += Buffer.from(out.bytes).toString("latin1");
      if (out.kind !== "forward") events.push(out);
    }
  }
  return { text, events };
}

const post = (body: string) => `POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const chunked = "PUT /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n";

describe("request framing", () => {
  test("pipelined requests with bodies pass through unchanged, however the bytes are split", () => {
    const input = post('{"a":1}') + "GET /livez HTTP/1.1\r\nHost: a\r\n\r\n" + chunked + post("");
    for (const size of [1, 2, 7, 64, input.length]) {
      const { text, events } = feed(input, size);
      expect(events).toEqual([]);
      expect(text).toBe(input);
    }
  });

  test("a body that looks like a request line is body, not a request", () => {
    const body = "FOO / HTTP/1.1\r\n\r\n";
    const { text, events } = feed(post(body) + "GET / HTTP/1.1\r\n\r\n", 3);
    expect(events).toEqual([]);
    expect(text).toBe(post(body) + "GET / HTTP/1.1\r\n\r\n");
  });

  test("a method the server does not serve travels as GET, naming the real one; a client cannot set that header", () => {
    for (const method of ["FOO", "get", "PROPFIND"]) {
      const { text } = feed(`${method} /livez HTTP/1.1\r\nHost: a\r\n\r\n`, 2);
      expect(text).toBe(`GET /livez HTTP/1.1\r\nx-skiff-method: ${method}\r\nHost: a\r\n\r\n`);
    }
    const { events } = feed("GET /livez HTTP/1.1\r\nX-Skiff-Method: DELETE\r\n\r\n");
    expect(events).toEqual([{ kind: "reject", code: 400, reason: "BadRequest", message: "the request carries the reserved header x-skiff-method" }]);
  });

  test("malformed request lines, over-long URLs and heads, bad lengths and encodings are refused with their codes", () => {
    const code = (input: string, size?: number) => feed(input, size).events.find((e) => e.kind === "reject") as { code: number } | undefined;
    expect(code("G(T / HTTP/1.1\r\n\r\n")?.code).toBe(400);
    expect(code("GET / HTTP/2.0\r\n\r\n")?.code).toBe(400);
    expect(code("GET /\r\n\r\n")?.code).toBe(400);
    expect(code(`GET /${"a".repeat(300)} HTTP/1.1\r\n\r\n`)?.code).toBe(414);
    // Judged before the line ends: a client cannot hold the front with an endless URL.
    expect(code(`GET /${"a".repeat(400)}`, 50)?.code).toBe(414);
    expect(code(`GET / HTTP/1.1\r\nX-Big: ${"b".repeat(2000)}`, 100)?.code).toBe(431);
    expect(code("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")?.code).toBe(400);
    expect(code("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n")?.code).toBe(400);
    expect(code("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")?.code).toBe(400);
    expect(code("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")?.code).toBe(400);
    expect(code("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY")?.code).toBe(400);
    expect(code(`${"A".repeat(40)} / HTTP/1.1\r\n\r\n`)?.code).toBe(400);
    // Framing that another parser could read differently (request smuggling).
    expect(code("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")?.code).toBe(400);
    expect(code("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")?.code).toBe(400);
  });

  test("nothing is read after a refusal", () => {
    const f = framer();
    expect(f.push(Buffer.from("G(T / HTTP/1.1\r\n\r\n"))[0]!.kind).toBe("reject");
    expect(f.push(Buffer.from("GET / HTTP/1.1\r\n\r\n"))).toEqual([]);
  });

  test("after an upgrade request every byte passes as it is", () => {
    const head = "GET /api/v1/namespaces/default/pods/p/exec?command=sh HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
    const frames = "\x82\x05FOO /\r\n\r\n";
    const f = framer();
    const first = feed(head + frames, 10, f);
    expect(first.events.map((e) => e.kind)).toEqual(["upgrade", "tunnel"]);
    const upgrade = first.events[0] as Extract<FramerOutput, { kind: "upgrade" }>;
    expect(upgrade.head.method).toBe("GET");
    expect(upgrade.head.target).toBe("/api/v1/namespaces/default/pods/p/exec?command=sh");
    expect(upgrade.head.headers.get("upgrade")).toBe("websocket");
    expect(first.text).toBe(head + frames);
    expect(feed("G(T garbage", undefined, f)).toEqual({ text: "G(T garbage", events: [] });
  });
});

describe("request framing for a front that serves requests itself (parseHeads)", () => {
  const parsing = () => new RequestFramer({ maxHeadBytes: 1024, maxUrlBytes: 256, methods: METHODS, methodHeader: "x-skiff-method", parseHeads: true });
  /** Each request as method, target, body data (chunk framing left out) and whether it ended. */
  function requests(input: string, size: number) {
    const f = parsing();
    const out: { method: string; target: string; version: string; host: string | null; body: string; ended: boolean }[] = [];
    const bytes = Buffer.from(input, "latin1");
    for (let i = 0; i < bytes.length; i += size) {
      for (const o of f.push(bytes.subarray(i, i + size))) {
        if (o.kind === "request") out.push({ method: o.head.method, target: o.head.target, version: o.head.version, host: o.head.headers.get("host"), body: "", ended: false });
        else if (o.kind === "forward" && !o.framing && out.length && !out.at(-1)!.ended) out.at(-1)!.body += Buffer.from(o.bytes).toString("latin1");
        else if (o.kind === "end") out.at(-1)!.ended = true;
        else if (o.kind !== "forward") throw new Error(`unexpected ${o.kind}`);
      }
    }
    return out;
  }

  test("every head with its headers, bodies without chunk framing, and an end per request, however the bytes are split", () => {
    const input = post('{"a":1}') + "GET /livez HTTP/1.0\r\nHost: b\r\n\r\n" + chunked + "FOO /x HTTP/1.1\r\n\r\n";
    for (const size of [1, 3, 17, input.length]) {
      expect(requests(input, size)).toEqual([
        { method: "POST", target: "/api/v1/namespaces/default/configmaps", version: "HTTP/1.1", host: "a", body: '{"a":1}', ended: true },
        { method: "GET", target: "/livez", version: "HTTP/1.0", host: "b", body: "", ended: true },
        { method: "PUT", target: "/x", version: "HTTP/1.1", host: "a", body: "hello world", ended: true },
        { method: "FOO", target: "/x", version: "HTTP/1.1", host: null, body: "", ended: true },
      ]);
    }
  });

  test("a request whose body has not all arrived has not ended", () => {
    const input = post('{"a":1}');
    expect(requests(input.slice(0, -2), 5)).toEqual([{ method: "POST", target: "/api/v1/namespaces/default/configmaps", version: "HTTP/1.1", host: "a", body: '{"a":', ended: false }]);
  });

  test("an upgrade is still an upgrade, then a tunnel", () => {
    const f = parsing();
    const kinds = f.push(Buffer.from("GET /exec HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nraw")).map((o) => o.kind);
    expect(kinds).toEqual(["upgrade", "tunnel", "forward"]);
  });
});
