// A watch that resumes from a revision older than the store's in-memory tail (the newest
// 1,000 changes) is served from the database: it gets exactly the changes after it, label
// selectors turn label changes into ADDED/DELETED as for a recent resume, and writes made
// while the history is read arrive once, after it, in order.
import { afterAll, expect, test } from "bun:test";
import { runConcurrent } from "../bench/lib/concurrent-load.ts";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { collectWatch, type WatchEvent } from "../support/watch.ts";

let server: TestServer | undefined;
afterAll(() => server?.stop());

const base = "/api/v1/namespaces/resume/configmaps";
const KEYS = 100;

/** Events of a watch on the test's ConfigMaps until `count` arrived (60 s at most), running `whileOpen` once it is established. */
const watchEvents = (s: TestServer, query: string, count: number, whileOpen?: () => Promise<void>) =>
  collectWatch(s, `${base}?watch=1&${query}`, (events) => events.length >= count, whileOpen, 60_000);

type Written = { type: string; name: string; rv: number; color?: string };
const describe = (e: WatchEvent) => `${e.type} ${e.object.metadata?.name} ${e.object.metadata?.resourceVersion}`;

test("a resume older than the in-memory tail is rebuilt from the database, exact, with selectors and live writes", async () => {
  server = await startTestServer();
  expect((await apiFetch(server, "/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "resume" } }) })).status).toBe(201);
  const written: Written[] = [];
  const write = async (type: string, name: string, color?: string) => {
    const res =
      type === "ADDED"
        ? await apiFetch(server!, base, { method: "POST", body: JSON.stringify({ metadata: { name, labels: { color } }, data: { v: "0" } }) })
        : type === "DELETED"
          ? await apiFetch(server!, `${base}/${name}`, { method: "DELETE" })
          : await apiFetch(server!, `${base}/${name}`, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ metadata: { labels: { color } }, data: { v: String(written.length) } }) });
    if (res.status !== 200 && res.status !== 201) throw new Error(`${type} ${name}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { metadata: { resourceVersion: string } };
    written.push({ type, name, rv: Number(body.metadata.resourceVersion), color });
  };
  // 100 creates, 1,900 updates flipping the color label of some, 50 deletes: twice the in-memory tail.
  const colorAt = (i: number) => (i % 3 === 0 ? "red" : "blue");
  const first = await runConcurrent(8, KEYS, (i) => write("ADDED", `c-${i}`, colorAt(i)));
  expect(first.failures).toEqual([]);
  const resumeFrom = Math.max(...written.map((w) => w.rv));
  for (let round = 0; round < 19; round++) {
    const load = await runConcurrent(8, KEYS, (i) => write("MODIFIED", `c-${i}`, colorAt(i + round + 1)));
    expect(load.failures).toEqual([]);
  }
  const gone = await runConcurrent(8, 50, (i) => write("DELETED", `c-${i * 2}`));
  expect(gone.failures).toEqual([]);
  written.sort((a, b) => a.rv - b.rv);
  const latest = written.at(-1)!.rv;
  expect(latest - resumeFrom).toBeGreaterThan(1000);

  // Everything after the resume point, by revision, once each.
  const all = written.filter((w) => w.rv > resumeFrom).map((w) => `${w.type} ${w.name} ${w.rv}`);
  expect((await watchEvents(server, `resourceVersion=${resumeFrom}`, all.length)).map(describe)).toEqual(all);

  // With a label selector: a change into the selection is ADDED, out of it DELETED (by the color before each change).
  const colorOf = new Map<string, string | undefined>();
  for (const w of written.filter((w) => w.rv <= resumeFrom)) colorOf.set(w.name, w.color);
  const red: string[] = [];
  for (const w of written.filter((w) => w.rv > resumeFrom)) {
    const before = colorOf.get(w.name) === "red";
    const now = w.type === "DELETED" ? before : w.color === "red";
    if (w.type === "DELETED") {
      if (before) red.push(`DELETED ${w.name} ${w.rv}`);
    } else if (before && now) red.push(`MODIFIED ${w.name} ${w.rv}`);
    else if (now) red.push(`ADDED ${w.name} ${w.rv}`);
    else if (before) red.push(`DELETED ${w.name} ${w.rv}`);
    if (w.type !== "DELETED") colorOf.set(w.name, w.color);
  }
  expect(red.some((e) => e.startsWith("ADDED")) && red.some((e) => e.startsWith("DELETED"))).toBe(true);
  expect((await watchEvents(server, `resourceVersion=${resumeFrom}&labelSelector=color%3Dred`, red.length)).map(describe)).toEqual(red);

  // Writes made while the watch reads its history follow it, once each, in order.
  const before = written.length;
  const events = await watchEvents(server, `resourceVersion=${resumeFrom}`, all.length + 20, async () => {
    for (let i = 0; i < 20; i++) await write("MODIFIED", `c-${i * 2 + 1}`, "green");
  });
  const live = written.slice(before).map((w) => `${w.type} ${w.name} ${w.rv}`);
  expect(events.map(describe)).toEqual([...all, ...live]);
});
