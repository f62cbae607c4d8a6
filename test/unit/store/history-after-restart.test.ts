// Through the API: a watch resumed from an old resourceVersion after a restart gets exactly
// the objects watchers saw live (byte for byte), though the store keeps superseded values as
// reverse deltas packed into compressed blocks; Secrets' history stays encrypted at rest.
import { afterAll, expect, test } from "bun:test";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { apiFetch, startTestServer, tempDir, type TestServer } from "../../support/server.ts";
import { collectWatch } from "../../support/watch.ts";

const dataDir = tempDir("skiff-history-restart-");
let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const ns = "hist";
const SECRET = "plain-secret-value-4711";
const secretB64 = (n: number) => Buffer.from(`${SECRET}-${n}`).toString("base64");

/**
 * Watch events as text (BOOKMARKs left out, their timing varies) until `count` arrived or 60 s
 * pass. The server writes JSON.stringify's text, which parse and stringify give back unchanged.
 */
async function watchLines(s: TestServer, resource: string, resourceVersion: string, count: number): Promise<string[]> {
  const events = await collectWatch(s, `/api/v1/namespaces/${ns}/${resource}?watch=1&resourceVersion=${resourceVersion}`, (got) => got.filter((e) => e.type !== "BOOKMARK").length >= count, undefined, 60_000);
  return events.filter((e) => e.type !== "BOOKMARK").map((e) => JSON.stringify(e));
}

async function call(s: TestServer, path: string, method: string, body?: unknown, contentType = "application/json") {
  const res = await apiFetch(s, path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { "Content-Type": contentType } });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as { metadata: { resourceVersion: string } };
}

test("a watch from an old revision after a restart replays byte-equal objects: many updates, deletes, Secrets (encrypted at rest)", async () => {
  server = await startTestServer({ dataDir });
  await call(server, "/api/v1/namespaces", "POST", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const from = (await call(server, `/api/v1/namespaces/${ns}/configmaps`, "GET")).metadata.resourceVersion;
  const cms = `/api/v1/namespaces/${ns}/configmaps`;
  const secrets = `/api/v1/namespaces/${ns}/secrets`;
  const writes = async (s: TestServer) => {
    await call(s, cms, "POST", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "many", labels: { a: "1" } }, data: { payload: "p".repeat(200), n: "0" } });
    for (let i = 1; i <= 40; i++) {
      const patch = i % 7 === 0 ? { metadata: { labels: { a: null, [`l${i}`]: "x" } } } : i % 5 === 0 ? { data: { n: null, [`k${i}`]: String(i) } } : { data: { n: String(i) } };
      await call(s, `${cms}/many`, "PATCH", patch, "application/merge-patch+json");
    }
    await call(s, cms, "POST", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "gone" }, data: { x: "1" } });
    await call(s, `${cms}/gone`, "PATCH", { data: { x: "2" } }, "application/merge-patch+json");
    await call(s, `${cms}/gone`, "DELETE");
    await call(s, secrets, "POST", { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { token: secretB64(0) } });
    for (let i = 1; i <= 5; i++) await call(s, `${secrets}/s`, "PATCH", { data: { token: secretB64(i) } }, "application/merge-patch+json");
    await call(s, `${secrets}/s`, "DELETE");
    await call(s, secrets, "POST", { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { token: `${SECRET}-again` } });
  };
  const cmCount = 1 + 40 + 3;
  const secretCount = 1 + 5 + 1 + 1;
  const liveCms = watchLines(server, "configmaps", from, cmCount);
  const liveSecrets = watchLines(server, "secrets", from, secretCount);
  await Bun.sleep(200);
  await writes(server);
  const seenCms = await liveCms;
  const seenSecrets = await liveSecrets;
  expect(seenCms.length).toBe(cmCount);
  expect(seenSecrets.length).toBe(secretCount);
  await server.stop();

  // Restarted: history is loaded from the database (deltas rebuilt from the current values).
  server = await startTestServer({ dataDir });
  expect(await watchLines(server, "configmaps", from, cmCount)).toEqual(seenCms);
  expect(await watchLines(server, "secrets", from, secretCount)).toEqual(seenSecrets);
  await server.stop();
  server = undefined;

  // No value of the Secret, current or historical, plain or base64, is in any database file.
  const dbDir = join(dataDir, "server/db");
  const files = readdirSync(dbDir).map((f) => readFileSync(join(dbDir, f)));
  expect(files.length).toBeGreaterThan(0);
  for (const needle of [SECRET, ...Array.from({ length: 6 }, (_, i) => secretB64(i)), Buffer.from(`${SECRET}-again`).toString("base64")]) {
    for (const f of files) expect(f.includes(needle)).toBe(false);
  }
  // ...while the ConfigMaps' values are there (the search itself works).
  expect(files.some((f) => f.includes("p".repeat(200)))).toBe(true);
});
