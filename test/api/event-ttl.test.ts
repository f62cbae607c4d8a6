// Events expire as upstream's do (kube-apiserver --event-ttl): deleted once the TTL has
// passed since their last write, whatever old times they carry; an update extends a life.
import { afterAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer | undefined;
afterAll(() => server?.stop());

const TTL_MS = 4000;
const base = "/api/v1/namespaces/default/events";
const event = (name: string, lastTimestamp: string) => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name },
  involvedObject: { kind: "Pod", namespace: "default", name: "p" },
  reason: "Tested",
  message: "first",
  type: "Normal",
  count: 1,
  firstTimestamp: lastTimestamp,
  lastTimestamp,
});
const exists = async (name: string) => {
  const res = await apiFetch(server!, `${base}/${name}`);
  if (res.status !== 200 && res.status !== 404) throw new Error(`GET ${name}: ${res.status} ${await res.text()}`);
  return res.status === 200;
};

test("an Event is deleted the TTL after its last write; an update extends its life", async () => {
  server = await startTestServer({ eventTtlMs: TTL_MS });
  const started = Date.now();
  // Its own times are two hours old: the write, not those, starts the TTL.
  const old = new Date(Date.now() - 2 * 3_600_000).toISOString();
  for (const name of ["kept-short", "updated"]) expect((await apiFetch(server, base, { method: "POST", body: JSON.stringify(event(name, old)) })).status).toBe(201);
  await Bun.sleep(500);
  expect(await exists("kept-short")).toBe(true);
  // Written again 3 s in: lives until about 7 s.
  await Bun.sleep(Math.max(0, started + 3000 - Date.now()));
  const patch = await apiFetch(server, `${base}/updated`, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ message: "again", count: 2 }) });
  expect(patch.status).toBe(200);

  while ((await exists("kept-short")) && Date.now() - started < 30_000) await Bun.sleep(100);
  const firstGone = Date.now() - started;
  expect(firstGone).toBeGreaterThanOrEqual(TTL_MS);
  expect(firstGone).toBeLessThan(30_000);
  expect(await exists("updated")).toBe(true);

  while ((await exists("updated")) && Date.now() - started < 40_000) await Bun.sleep(100);
  const secondGone = Date.now() - started;
  expect(secondGone).toBeGreaterThanOrEqual(3000 + TTL_MS);
  expect(secondGone).toBeLessThan(40_000);
});
