// Watch history: the newest N changes or every change younger than the window, whichever
// is more, never beyond the cap; in memory, through compaction and across a restart.
import { afterEach, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { RetentionWindow } from "../../../src/store/retention.ts";
import { Store } from "../../../src/store/store.ts";
import { tempDatabases } from "./temp-databases.ts";

const databases = tempDatabases("skiff-store-retain-");
afterEach(() => databases.removeAll());

test("the cut keeps the newest changes and the young ones, whichever are more, up to the cap", () => {
  let now = 1_000_000;
  const w = new RetentionWindow({ minChanges: 10, minAgeMs: 60_000, maxChanges: 500, now: () => now });
  // 100 changes a second for 2 minutes, marked as they are written.
  let revision = 0;
  for (let s = 0; s < 120; s++) {
    for (let i = 0; i < 100; i++) w.mark(++revision);
    now += 1000;
  }
  // The last 60 s hold 6,000 changes: more than the cap, so the cap decides.
  expect(w.cut(revision)).toBe(revision - 500);
  const roomy = new RetentionWindow({ minChanges: 10, minAgeMs: 60_000, maxChanges: 100_000, now: () => now });
  now = 0;
  revision = 0;
  for (let s = 0; s < 120; s++) {
    for (let i = 0; i < 100; i++) roomy.mark(++revision);
    now += 1000;
  }
  // Everything marked up to 60 s ago may go (the sample at 60 s covers revisions up to 6,001), nothing younger.
  const cut = roomy.cut(revision);
  expect(cut).toBeGreaterThanOrEqual(5_900);
  expect(cut).toBeLessThanOrEqual(6_001);
  // Quiet for 10 minutes: at most the last second's changes, which no old sample covers yet, stay beyond the newest 10…
  now += 600_000;
  roomy.mark(revision);
  expect(roomy.cut(revision)).toBeGreaterThanOrEqual(revision - 100);
  expect(roomy.cut(revision)).toBeLessThan(revision - 10);
  // …until the sample taken now is older than the window.
  now += 60_001;
  expect(roomy.cut(revision)).toBe(revision - 10);
});

test("without a time window the count alone decides", () => {
  const w = new RetentionWindow({ minChanges: 10, minAgeMs: 0 });
  for (let r = 1; r <= 100; r++) w.mark(r);
  expect(w.cut(100)).toBe(90);
});

const cm = (name: string, v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" }, data: { v } }) as KubeObject;
const put = (store: Store, name: string, v: string) => store.write("configmaps", "ns", name, (cur) => ({ type: cur ? "MODIFIED" : "ADDED", object: cm(name, v) }));

test("young changes outlive the count in memory, through compaction and across a restart", async () => {
  const path = databases.path();
  const store = await Store.open({ url: `file:${path}`, retainChanges: 5, retainMs: 300_000 });
  for (let i = 0; i < 40; i++) await put(store, `o${i % 3}`, String(i));
  expect(await store.compact()).toEqual({ removed: 0 });
  const all = await store.history(0);
  expect(all === "expired" ? all : all.map((c) => c.revision)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  await store.close();

  const again = await Store.open({ url: `file:${path}`, retainChanges: 5, retainMs: 300_000 });
  const loaded = await again.history(0);
  expect(loaded === "expired" ? loaded : loaded.map((c) => `${c.revision}:${(c.object.data as { v: number }).v}`)).toEqual(Array.from({ length: 40 }, (_, i) => `${i + 1}:${i}`));
  await again.close();

  // Counted alone, the same history is cut to the newest 5.
  const counted = await Store.open({ url: `file:${path}`, retainChanges: 5 });
  await counted.compact();
  expect(counted.compactedRevision).toBe(35);
  expect(await counted.history(34)).toBe("expired");
  const tail = await counted.history(35);
  expect(tail === "expired" ? tail : tail.map((c) => c.revision)).toEqual([36, 37, 38, 39, 40]);
  await counted.close();
});
