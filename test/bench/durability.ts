// What synchronous=FULL costs (run: bun test/bench/durability.ts [creates] [rounds]).
// The store's group commit on a real disk file, with synchronous=NORMAL (the WAL synced
// only at checkpoints: a power cut can lose acknowledged writes) and FULL (every commit
// syncs the WAL before any of its writes is acknowledged), in this one process, rounds
// interleaved so drift in the machine's load hits both alike. Creates come from 8 clients
// (group commit shares one sync among the writes waiting together) and from 1 client
// (every write pays its own sync).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../src/api/kinds/kind.ts";
import { Store } from "../../src/store/store.ts";
import { runConcurrent } from "./lib/concurrent-load.ts";
import { summarize, type LatencySummary } from "./lib/stats.ts";

const [creates = 5_000, rounds = 3] = process.argv.slice(2).map(Number);
const modes = ["NORMAL", "FULL"] as const;
type Mode = (typeof modes)[number];
type Run = LatencySummary & { perSecond: number; commits: number };

// Real disk, not tmpfs: a sync on tmpfs costs nothing.
const root = mkdtempSync(join(process.env.SKIFF_BENCH_DIR ?? tmpdir(), "skiff-durability-"));
const configMap = (i: number): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${i}`, namespace: "bench", uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString() }, data: { key: `value-${i}`, other: "x".repeat(64) } }) as KubeObject;

async function measure(mode: Mode, clients: number, round: number): Promise<Run> {
  const store = await Store.open({ url: `file:${join(root, `${mode}-${clients}-${round}.db`)}`, synchronous: mode });
  const write = (i: number) => store.write("configmaps", "bench", `cm-${i}`, () => ({ type: "ADDED", object: configMap(i) })).then(() => undefined);
  await runConcurrent(clients, 200, (i) => write(creates + i)); // warm-up
  const commits0 = store.groupCommits;
  const load = await runConcurrent(clients, creates, write);
  if (load.failures.length) throw new Error(`${mode}: ${load.failures[0]}`);
  const commits = store.groupCommits - commits0;
  await store.close();
  return { ...summarize(load.latenciesMs), perSecond: (creates / load.wallMs) * 1000, commits };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
try {
  for (const clients of [8, 1]) {
    const runs: Record<Mode, Run[]> = { NORMAL: [], FULL: [] };
    for (let round = 0; round < rounds; round++) for (const mode of modes) runs[mode].push(await measure(mode, clients, round));
    const best = (mode: Mode) => runs[mode].reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const median = (mode: Mode, f: (r: Run) => number) => runs[mode].map(f).sort((a, b) => a - b)[Math.floor(runs[mode].length / 2)]!;
    console.log(`\n${creates} creates from ${clients} client${clients > 1 ? "s" : ""}, ${rounds} rounds each (medians over rounds; every round listed)`);
    for (const mode of modes) {
      console.log(`  synchronous=${mode.padEnd(6)} p50 ${ms(median(mode, (r) => r.p50))}, p99 ${ms(median(mode, (r) => r.p99))}, ${median(mode, (r) => r.perSecond).toFixed(0)} creates/s, ${(creates / median(mode, (r) => r.commits)).toFixed(1)} writes per commit`);
      console.log(`    rounds: ${runs[mode].map((r) => `p50 ${r.p50.toFixed(2)}/p99 ${r.p99.toFixed(2)} ms ${r.perSecond.toFixed(0)}/s`).join("; ")}`);
    }
    const ratio = (f: (r: Run) => number) => (median("FULL", f) / median("NORMAL", f)).toFixed(2);
    console.log(`  FULL / NORMAL: p50 ${ratio((r) => r.p50)}×, p99 ${ratio((r) => r.p99)}×, throughput ${ratio((r) => r.perSecond)}× (best rounds: ${best("FULL").perSecond.toFixed(0)} vs ${best("NORMAL").perSecond.toFixed(0)} creates/s)`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
