// Compaction stalls: a store file with a large history (ConfigMap updates as deltas, and
// big Secrets created and deleted, as Helm's release history does) is compacted two ways on
// identical copies: the store's own compaction (bounded steps with a turn of the event loop
// between them) and, as the baseline, the same work done as one statement each (one DELETE
// of every dropped row, one full incremental_vacuum, a TRUNCATE checkpoint). Reported: the
// longest single step and the longest event-loop stall while each runs.
// Run: node_modules/.bin/bun test/bench/compaction.ts [updates] [secrets]
import { createClient } from "@libsql/client";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../src/api/kinds/kind.ts";
import { Store } from "../../src/store/store.ts";

const updates = Number(process.argv[2] ?? 60_000);
const secrets = Number(process.argv[3] ?? 400);
const KEEP = 10_000;
const dir = mkdtempSync(join(tmpdir(), "skiff-bench-compaction-"));
const path = join(dir, "state.db");

/** The longest gap between 1 ms timer ticks while `work` runs, beside how long it took. */
async function withLagProbe<T>(work: () => Promise<T>): Promise<{ result: T; maxLagMs: number; wallMs: number }> {
  let maxLagMs = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - 1);
    last = now;
  }, 1);
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  clearInterval(probe);
  // Work that never yields leaves no tick to measure from: the gap up to its end counts too.
  maxLagMs = Math.max(maxLagMs, performance.now() - last - 1);
  return { result, maxLagMs, wallMs };
}

try {
  // History: 1,000 ConfigMaps updated `updates` times, then `secrets` 30 KB Secrets made and deleted (ten live at a time).
  const store = await Store.open({ url: `file:${path}`, retainChanges: KEEP, maxRetainedChanges: 200_000 });
  const cm = (i: number, n: number) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: "bench" }, data: { payload: "p".repeat(256), n: String(n) } }) as KubeObject;
  const secret = (i: number) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: `release.v${i}`, namespace: "bench" }, data: { release: Buffer.from(crypto.getRandomValues(new Uint8Array(22_000))).toString("base64") } }) as KubeObject;
  const put = (resource: string, name: string, object: KubeObject) => store.write(resource, "bench", name, (cur) => ({ type: cur ? "MODIFIED" : "ADDED", object }));
  const del = (resource: string, name: string) => store.write(resource, "bench", name, (cur) => (cur ? { type: "DELETED", object: cur } : null));
  const writing = performance.now();
  for (let start = 0; start < updates; start += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => put("configmaps", `cm-${(start + j) % 1000}`, cm((start + j) % 1000, start + j))));
  // Kept: the Secrets' history (full values of deleted ones, packed into blocks by compaction) and the newest updates.
  for (let i = 0; i < secrets; i++) {
    await put("secrets", `release.v${i}`, secret(i));
    if (i >= 10) await del("secrets", `release.v${i - 10}`);
  }
  // The newest changes (the Secrets' among them) are within the kept count; everything before them is dropped.
  for (let start = 0; start < KEEP / 2; start += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => put("configmaps", `cm-${(start + j) % 1000}`, cm((start + j) % 1000, -start - j))));
  await store.close();
  const sizeMb = (p: string) => statSync(p).size / 1e6;
  console.log(`history: ${updates + KEEP} ConfigMap changes and ${secrets} Secrets of 30 KB made and deleted in ${((performance.now() - writing) / 1000).toFixed(1)} s; state.db ${sizeMb(path).toFixed(1)} MB`);
  const copy = join(dir, "baseline.db");
  copyFileSync(path, copy);

  // Baseline: the same deletions, vacuum and checkpoint, each one statement.
  const client = createClient({ url: `file:${copy}` });
  const revision = Number((await client.execute("SELECT value FROM meta WHERE key = 'revision'")).rows[0]![0]);
  const cut = revision - KEEP;
  const steps: number[] = [];
  const timed = async (sql: string, args: number[] = []) => {
    const t = performance.now();
    await (args.length ? client.execute({ sql, args }) : client.executeMultiple(sql));
    steps.push(performance.now() - t);
  };
  const baseline = await withLagProbe(async () => {
    await timed("DELETE FROM changes WHERE revision <= ?", [cut]);
    await timed("PRAGMA incremental_vacuum;");
    await timed("PRAGMA wal_checkpoint(TRUNCATE);");
  });
  client.close();

  // The store's compaction on the identical file.
  const again = await Store.open({ url: `file:${path}`, retainChanges: KEEP, maxRetainedChanges: 200_000 });
  const stepped = await withLagProbe(() => again.compact());
  const longest = again.longestCompactionStepMs;
  await again.close();

  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  console.log(`baseline (one statement each): longest step ${f(Math.max(...steps))} (DELETE ${f(steps[0]!)}, vacuum ${f(steps[1]!)}, checkpoint ${f(steps[2]!)}), event loop stalled up to ${f(baseline.maxLagMs)}, ${f(baseline.wallMs)} in all`);
  console.log(`store compaction (bounded steps, also packs ${stepped.result.removed} dropped rows' survivors into blocks): longest step ${f(longest)}, event loop stalled up to ${f(stepped.maxLagMs)}, ${f(stepped.wallMs)} in all`);
  console.log(`longest stall: ${(baseline.maxLagMs / Math.max(stepped.maxLagMs, 0.1)).toFixed(1)}× shorter; state.db after: ${sizeMb(path).toFixed(1)} MB (baseline ${sizeMb(copy).toFixed(1)} MB)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
