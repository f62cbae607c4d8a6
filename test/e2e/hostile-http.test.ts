// The HTTPS front door of the compiled binary against requests no polite client sends:
// each gets a Kubernetes Status (never Bun's development page, a stack or a path of the
// machine), idle connections are closed, watches are not, and the server keeps serving.
// The server runs with NODE_ENV=development on purpose: the binary must ignore it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ensureFreshSkiffBinary } from "../bench/lib/skiff-binary.ts";
import { spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { idleConnection, rawRequest, type RawReply } from "../support/raw-tls.ts";
import { freePort, tempDir } from "../support/server.ts";
import { ANONYMOUS_IDLE_SECONDS, frontDoor } from "../../src/api/http/front-door.ts";

const root = join(import.meta.dir, "../..");
const dataDir = tempDir("skiff-hostile-");
const port = freePort();
let skiff: SkiffProcess;
let token = "";
let caPem = "";
const replies: RawReply[] = [];
const CONNECTION_LIMIT = 40;

beforeAll(async () => {
  const binary = await ensureFreshSkiffBinary(() => {});
  skiff = spawnSkiff([binary], ["server", "--disable-agent", "--data-dir", dataDir, "--bind-address", "127.0.0.1", "--https-listen-port", String(port), "--max-connections-per-address", String(CONNECTION_LIMIT)], { NODE_ENV: "development" });
  await skiff.waitFor(/ready at/, 60_000);
  const kubeconfig = parse(readFileSync(join(dataDir, "kubeconfig.yaml"), "utf8")) as { users: { user: { token: string } }[] };
  token = kubeconfig.users[0]!.user.token;
  caPem = readFileSync(join(dataDir, "server/tls/ca.crt"), "utf8");
}, 300_000);

afterAll(async () => {
  if (skiff && skiff.proc.exitCode === null) {
    skiff.proc.kill("SIGTERM");
    await skiff.proc.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends a raw request and keeps the reply for the leak check at the end. */
async function send(request: string, waitMs?: number): Promise<RawReply> {
  const reply = await rawRequest(port, request, waitMs);
  replies.push(reply);
  return reply;
}

const get = (target: string, headers = "Host: 127.0.0.1\r\n", method = "GET", version = "HTTP/1.1") =>
  `${method} ${target} ${version}\r\n${headers}Connection: close\r\n\r\n`;
const auth = () => `Host: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n`;

function expectStatus(reply: RawReply, code: number, reason: string) {
  expect(reply.status).toBe(code);
  const status = JSON.parse(reply.body);
  expect(status).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason });
}

const readyz = () => fetch(`https://127.0.0.1:${port}/readyz`, { tls: { ca: caPem } } as RequestInit);

describe("malformed requests to the compiled binary", () => {
  test("a Host that is no host gets 400; a missing or empty Host is served on the listener's address", async () => {
    expectStatus(await send(get("/livez", "Host: a b\r\n")), 400, "BadRequest");
    expectStatus(await send(get("/api/v1/namespaces", "Host: a b\r\n")), 400, "BadRequest");
    const empty = await send(get("/livez", "Host: \r\n"));
    expect(empty.status).toBe(200);
    const http10 = await send(get("/livez", "", "GET", "HTTP/1.0"));
    expect(http10.status).toBe(200);
    // Without a token the protected path still answers 401, not the resource.
    expectStatus(await send(get("/api/v1/namespaces", "", "GET", "HTTP/1.0")), 401, "Unauthorized");
  });

  test("malformed percent-encoding: 401 before anything without a token, 400 with one", async () => {
    for (const path of ["/api/v1/namespaces/default/configmaps/%", "/api/v1/%ff%fe", "/apis/apps/v1/namespaces/%zz/deployments"]) {
      expectStatus(await send(get(path)), 401, "Unauthorized");
      expectStatus(await send(get(path, auth())), 400, "BadRequest");
    }
    expectStatus(await send(get("/api/v1/namespaces/default/configmaps/%", auth(), "DELETE")), 400, "BadRequest");
  });

  test("methods Bun knows but the API does not serve get 405 (after 401 on protected paths)", async () => {
    expectStatus(await send(get("/livez", undefined, "PROPFIND")), 405, "MethodNotAllowed");
    expectStatus(await send(get("/api/v1/namespaces", undefined, "TRACE")), 401, "Unauthorized");
    expectStatus(await send(get("/api/v1/namespaces", auth(), "TRACE")), 405, "MethodNotAllowed");
    expectStatus(await send(get("/api/v1/namespaces", auth(), "M-SEARCH")), 405, "MethodNotAllowed");
  });

  test("unknown and lowercase methods Bun's parser would drop get 401 without a token, then 405, each with a Status", async () => {
    for (const method of ["FOO", "get", "BREW"]) {
      expectStatus(await send(get("/api/v1/namespaces", undefined, method)), 401, "Unauthorized");
      expectStatus(await send(get("/api/v1/namespaces", auth(), method)), 405, "MethodNotAllowed");
      expectStatus(await send(get("/livez", undefined, method)), 405, "MethodNotAllowed");
    }
    // Not a method at all: the request line itself is malformed.
    expectStatus(await send("G(T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 400, "BadRequest");
    expectStatus(await send(get("/livez", undefined, "GET", "HTTP/9.9")), 400, "BadRequest");
    // The headers the TLS front sets itself cannot come from a client.
    expectStatus(await send(get("/livez", "Host: 127.0.0.1\r\nX-Skiff-Method: DELETE\r\n")), 400, "BadRequest");
    expect((await readyz()).status).toBe(200);
  });

  test("a 40-100 KB URL gets 414 and over-large headers 431, each with a Status", async () => {
    for (const size of [40_000, 60_000, 100_000]) {
      expectStatus(await send(get(`/api/v1/namespaces?labelSelector=${"a".repeat(size)}`)), 414, "RequestURITooLong");
    }
    expectStatus(await send(get("/livez", `Host: 127.0.0.1\r\nX-Big: ${"b".repeat(80_000)}\r\n`)), 431, "RequestHeaderFieldsTooLarge");
    // Far beyond any limit: the front answers before the whole head has arrived.
    expectStatus(await send(get("/livez", `Host: 127.0.0.1\r\nX-Big: ${"b".repeat(200_000)}\r\n`)), 431, "RequestHeaderFieldsTooLarge");
  });

  test("no response carried a stack, a source line, a path of the machine or an HTML page; /readyz still answers", async () => {
    expect(replies.length).toBeGreaterThan(15);
    const markers = ["/work", "node_modules", ".ts:", "    at ", root, dataDir, "<!doctype", "<html", "DevErrorPage", "URI error"];
    for (const reply of replies) for (const m of markers) expect(reply.text.toLowerCase()).not.toContain(m.toLowerCase());
    expect((await readyz()).status).toBe(200);
    // The binary ignored NODE_ENV=development: nothing of Bun's error page in its log either.
    expect(skiff.output()).not.toContain("DevErrorPage");
  });
});

describe("idle connections", () => {
  test("closed within the anonymous bound; kept past it once authenticated; a quiet watch survives", async () => {
    const boundMs = ANONYMOUS_IDLE_SECONDS * 1000;
    const bare = idleConnection(port);
    const anonymous = idleConnection(port, "GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const authenticated = idleConnection(port, `GET /api/v1/namespaces HTTP/1.1\r\n${auth()}\r\n`);
    const watch = idleConnection(port, `GET /api/v1/namespaces/default/configmaps?watch=1 HTTP/1.1\r\n${auth()}\r\n`);
    const stillOpen = Symbol("open");
    const within = (closed: Promise<number>, ms: number) => Promise.race([closed, Bun.sleep(ms).then(() => stillOpen)]);

    // Bun's idle timer ticks in 4 s steps: the bound plus generous margins.
    const [bareLived, anonymousLived] = await Promise.all([within(bare.closed, boundMs * 2 + 8_000), within(anonymous.closed, boundMs * 2 + 8_000)]);
    expect(bareLived).not.toBe(stillOpen);
    expect(anonymousLived).not.toBe(stillOpen);
    expect(anonymous.received()).toStartWith("HTTP/1.1 200");
    expect(await within(authenticated.closed, 1_000)).toBe(stillOpen);
    expect(authenticated.received()).toStartWith("HTTP/1.1 200");
    expect(await within(watch.closed, 1_000)).toBe(stillOpen);

    // The watch, quiet for longer than the anonymous bound, still delivers an event.
    const created = await fetch(`https://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ metadata: { name: "after-idle" }, data: { a: "b" } }),
      tls: { ca: caPem },
    } as RequestInit);
    expect(created.status).toBe(201);
    const deadline = Date.now() + 10_000;
    while (!watch.received().includes("after-idle") && Date.now() < deadline) await Bun.sleep(100);
    expect(watch.received()).toContain('"type":"ADDED"');
    expect(watch.received()).toContain("after-idle");
    for (const c of [authenticated, watch]) c.socket.destroy();
  }, 120_000);
});

describe("connections per client address", () => {
  test("past the bound a new connection gets 429; closing connections makes room again", async () => {
    // One more than the bound; this process may hold a pooled connection or two of its own.
    const held = Array.from({ length: CONNECTION_LIMIT + 1 }, () => idleConnection(port, `GET /api/v1/namespaces?watch=1 HTTP/1.1\r\n${auth()}\r\n`));
    const deadline = Date.now() + 20_000;
    while (held.some((c) => !c.received().startsWith("HTTP/1.1 ")) && Date.now() < deadline) await Bun.sleep(50);
    const served = held.filter((c) => c.received().startsWith("HTTP/1.1 200"));
    const refused = held.filter((c) => c.received().startsWith("HTTP/1.1 429"));
    expect(served.length + refused.length).toBe(held.length);
    expect(served.length).toBeLessThanOrEqual(CONNECTION_LIMIT);
    expect(served.length).toBeGreaterThanOrEqual(CONNECTION_LIMIT - 2);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const status = JSON.parse(refused[0]!.received().slice(refused[0]!.received().indexOf("\r\n\r\n") + 4));
    expect(status).toMatchObject({ kind: "Status", code: 429, reason: "TooManyRequests" });
    expect(status.message).toContain(`limit ${CONNECTION_LIMIT}`);
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map((c) => c.closed));
    let again = await send(get("/livez"));
    while (again.status === 429 && Date.now() < deadline + 5_000) {
      await Bun.sleep(100);
      again = await send(get("/livez"));
    }
    expect(again.status).toBe(200);
  }, 60_000);
});

describe("the front door in front of any handler", () => {
  test("a handler that throws gets a 500 Status without details; requests in flight per address are bounded with 429", async () => {
    const releases: (() => void)[] = [];
    const door = frontDoor(
      (req) => {
        if (new URL(req.url).pathname === "/throw") throw new Error(`cannot open ${root}/secret.ts:12`);
        // A stream held open until the test lets it go, as a watch is.
        return new Response(
          new ReadableStream({
            start(c) {
              // Bun sends the headers with the first chunk.
              c.enqueue(new TextEncoder().encode("open\n"));
              releases.push(() => c.close());
            },
          }),
        );
      },
      { authenticated: () => true, maxRequestsPerAddress: 3 },
    );
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", development: true, ...door });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const thrown = await fetch(`${base}/throw`);
      expect(thrown.status).toBe(500);
      const body = await thrown.text();
      expect(JSON.parse(body)).toMatchObject({ kind: "Status", code: 500, reason: "InternalError", message: "Internal error occurred" });
      expect(body).not.toContain(root);

      const held = await Promise.all([1, 2, 3].map(() => fetch(`${base}/w?watch=1`)));
      for (const r of held) expect(r.status).toBe(200);
      const refused = await fetch(`${base}/w?watch=1`);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ kind: "Status", code: 429, reason: "TooManyRequests" });

      // A stream that ends gives its place back.
      // The first stream the server started need not be the first response here: wait for whichever ends.
      releases[0]!();
      await Promise.any(held.map((r) => r.text()));
      const deadline = Date.now() + 5_000;
      let again = await fetch(`${base}/w?watch=1`);
      while (again.status === 429 && Date.now() < deadline) {
        await Bun.sleep(50);
        again = await fetch(`${base}/w?watch=1`);
      }
      expect(again.status).toBe(200);
      for (const r of releases.slice(1)) r();
    } finally {
      server.stop(true);
    }
  });
});
