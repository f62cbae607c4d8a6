// A joining node checks the server's CA against the join token before trusting it.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { ensureServerPki } from "../../../src/server/pki/ca.ts";
import { formatJoinToken } from "../../../src/server/pki/token.ts";
import { CA_MISMATCH_MESSAGE, fetchAndVerifyCa } from "../../../src/server/pki/verify-ca.ts";

const dirs: string[] = [];
const servers: Server<unknown>[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-pki-verify-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const s of servers) s.stop(true);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Pki = { caPem: string; certPem: string; keyPem: string };
const newPki = (bindAddress = "127.0.0.1") => ensureServerPki(freshDir(), { hostname: "h", bindAddress });

/** A TLS server like skiff's: /cacerts answers without authentication. Records the Authorization headers it saw. */
function serveCa(tlsPki: Pki, servedCaPem: string, hostname = "127.0.0.1") {
  const authorization: (string | null)[] = [];
  const server = Bun.serve({
    hostname,
    port: 0,
    tls: { cert: tlsPki.certPem, key: tlsPki.keyPem },
    fetch(req) {
      authorization.push(req.headers.get("authorization"));
      return new URL(req.url).pathname === "/cacerts" ? new Response(servedCaPem) : new Response("not found", { status: 404 });
    },
  });
  servers.push(server);
  return { url: `https://${hostname}:${server.port}`, authorization };
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: Error) => e,
  );
}

describe("fetchAndVerifyCa", () => {
  test("returns the CA exactly as served when it matches the token, sending no credentials", async () => {
    const pki = await newPki();
    const { url, authorization } = serveCa(pki, pki.caPem);
    const token = formatJoinToken(pki.caPem, "cluster-secret");
    expect(await fetchAndVerifyCa(url, token)).toBe(pki.caPem);
    expect(await fetchAndVerifyCa(`${url}/some/path/`, token)).toBe(pki.caPem);
    expect(authorization.length).toBeGreaterThan(0);
    expect(authorization.every((a) => a === null)).toBe(true);
  });

  test("throws the mismatch error when the token names another CA", async () => {
    const pki = await newPki();
    const { url } = serveCa(pki, pki.caPem);
    const other = await newPki();
    const err = await errorOf(fetchAndVerifyCa(url, formatJoinToken(other.caPem, "cluster-secret")));
    expect(err.message).toBe(CA_MISMATCH_MESSAGE);
    expect(err.message).toBe("the server's CA certificate does not match the hash in the join token");
  });

  test("a server that serves the right CA but holds a certificate from another CA is refused", async () => {
    const real = await newPki();
    const impostor = await newPki();
    const { url } = serveCa(impostor, real.caPem);
    const err = await errorOf(fetchAndVerifyCa(url, formatJoinToken(real.caPem, "cluster-secret")));
    expect(err.message).toContain("does not match its CA certificate");
  });

  test("a server address missing from the serving certificate is refused with a clear reason", async () => {
    // Certificate for 127.0.0.1; the server listens on another loopback address.
    const pki = await newPki("127.0.0.1");
    const { url } = serveCa(pki, pki.caPem, "127.0.0.2");
    const err = await errorOf(fetchAndVerifyCa(url, formatJoinToken(pki.caPem, "s")));
    expect(err.message).toContain("does not match the address 127.0.0.2");
  });

  test("a bare secret carries no hash: the CA is taken as first seen, still checked against the server", async () => {
    const pki = await newPki();
    const { url } = serveCa(pki, pki.caPem);
    expect(await fetchAndVerifyCa(url, "bare-secret")).toBe(pki.caPem);
    const impostor = await newPki();
    const { url: bad } = serveCa(impostor, pki.caPem);
    expect((await errorOf(fetchAndVerifyCa(bad, "bare-secret"))).message).toContain("does not match its CA certificate");
  });

  test("an unreachable server is a retryable error, not a mismatch", async () => {
    const pki = await newPki();
    const { url } = serveCa(pki, pki.caPem);
    const port = Number(new URL(url).port);
    servers.pop()!.stop(true);
    const err = await errorOf(fetchAndVerifyCa(`https://127.0.0.1:${port}`, formatJoinToken(pki.caPem, "s")));
    expect(err.message).toContain("cannot fetch the CA certificate");
    expect(err.message).not.toContain("does not match");
  });

  test("rejects a malformed token, a non-https URL and a server without /cacerts", async () => {
    const pki = await newPki();
    const { url } = serveCa(pki, pki.caPem);
    expect((await errorOf(fetchAndVerifyCa(url, `K10${"0".repeat(64)}::nocolon`))).message).toContain("malformed");
    expect((await errorOf(fetchAndVerifyCa(url.replace("https:", "http:"), "s"))).message).toContain("https://");
    const noCa = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: pki.certPem, key: pki.keyPem }, fetch: () => new Response("nope", { status: 404 }) });
    servers.push(noCa);
    expect((await errorOf(fetchAndVerifyCa(`https://127.0.0.1:${noCa.port}`, "s"))).message).toContain("404");
  });
});
