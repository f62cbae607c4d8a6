// Watch history across a restart: 12,000 changes, a compaction and a restart later, a
// watch from `latest - 10000` resumes with exactly the changes after it, and the five
// minute window keeps even older ones; a watch from before the window gets 410 Expired.
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { runConcurrent } from "../bench/lib/concurrent-load.ts";
import { apiFetch, startTestServer, tempDir, type TestServer } from "../support/server.ts";

const dataDir = tempDir("skiff-watch-history-");
let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Event = { type: string; object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string } };
const base = "/api/v1/namespaces/history/configmaps";
const KEYS = 1000;

/** Read watch events until `count` arrived (or the stream ends, or 60 s pass), then 300 ms more to catch any extra. */
async function watchFrom(s: TestServer, resourceVersion: number, count: number): Promise<Event[]> {
  const ac = new AbortController();
  const res = await apiFetch(s, `${base}?watch=1&resourceVersion=${resourceVersion}`, { signal: ac.signal });
  expect(res.status).toBe(200);
  const events: Event[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let deadline = setTimeout(() => ac.abort(), 60_000);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        // A watch whose history is read from the database starts with a bare newline (headers go out at once).
        if (!line.trim()) continue;
        events.push(JSON.parse(line));
        if (events.length === count) {
          clearTimeout(deadline);
          deadline = setTimeout(() => ac.abort(), 300);
        }
      }
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(deadline);
    ac.abort();
  }
  return events;
}

const describe = (e: Event) => `${e.type} ${e.object.metadata?.name} ${e.object.metadata?.resourceVersion}`;

test("a watch from latest - 10000 resumes after 12,000 changes and a restart; older ones go by the time window", async () => {
  server = await startTestServer({ dataDir });
  expect((await apiFetch(server, "/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "history" } }) })).status).toBe(201);
  // 1,000 creates, 10,000 updates, 1,000 deletes; each acknowledged change noted with its revision.
  const written: { type: string; name: string; rv: number }[] = [];
  const load = await runConcurrent(8, 12_000, async (i) => {
    const name = `h-${i % KEYS}`;
    const [type, res] =
      i < KEYS
        ? ["ADDED", await apiFetch(server!, base, { method: "POST", body: JSON.stringify({ metadata: { name }, data: { i: String(i) } }) })]
        : i < 11_000
          ? ["MODIFIED", await apiFetch(server!, `${base}/${name}`, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ data: { i: String(i) } }) })]
          : ["DELETED", await apiFetch(server!, `${base}/${name}`, { method: "DELETE" })];
    if (res.status !== 200 && res.status !== 201) throw new Error(`${type} ${name}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { metadata: { resourceVersion: string } };
    written.push({ type, name, rv: Number(body.metadata.resourceVersion) });
  });
  expect(load.failures).toEqual([]);
  written.sort((a, b) => a.rv - b.rv);
  const latest = written[written.length - 1]!.rv;
  // Five minutes have not passed: compaction keeps all 12,000.
  await server.store.compact();
  await server.stop();

  // Restarted with a 2 s window, so the test can see the window close.
  server = await startTestServer({ dataDir, retainChangesMs: 2_000 });
  const expected = (from: number) => written.filter((w) => w.rv > from).map((w) => `${w.type} ${w.name} ${w.rv}`);
  const from10k = latest - 10_000;
  expect((await watchFrom(server, from10k, 10_000)).map(describe)).toEqual(expected(from10k));
  // Older than the count keeps: still there, the time window kept it through compaction and restart.
  const older = written[100]!.rv;
  expect((await watchFrom(server, older, expected(older).length)).map(describe)).toEqual(expected(older));

  // Once the window has passed, compaction keeps the newest 10,000 only (a server write or two, such as
  // availability's ConfigMap, may have come after the test's last one).
  await Bun.sleep(2_500);
  await server.store.compact();
  const cut = server.store.compactedRevision;
  expect(cut).toBeGreaterThanOrEqual(from10k);
  expect(cut).toBeLessThan(from10k + 10);
  const gone = await watchFrom(server, cut - 1, 1);
  expect(gone).toHaveLength(1);
  expect(gone[0]).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
  expect((await watchFrom(server, cut, expected(cut).length)).map(describe)).toEqual(expected(cut));
  await server.stop();

  // And the cut holds across another restart.
  server = await startTestServer({ dataDir });
  expect((await watchFrom(server, cut - 1, 1))[0]).toMatchObject({ type: "ERROR", object: { code: 410 } });
  expect((await watchFrom(server, cut, expected(cut).length)).map(describe)).toEqual(expected(cut));
});
