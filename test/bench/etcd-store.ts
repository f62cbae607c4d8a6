// The etcd store beside the SQLite store, in one process, on the same disk (run: bun
// test/bench/etcd-store.ts [creates] [rounds]; SKIFF_BENCH_DIR picks the disk). A real
// single-member etcd (Debian etcd-server) on a loopback port.
// - Creates through the store from 8 clients and from 1: p50/p99 and creates/s, rounds
//   interleaved so drift in the machine's load hits both alike.
// - Watch delivery: from a write called on store A to a subscriber of store B on the same
//   etcd (two servers' worth), against a write to a subscriber of the same SQLite store.
// - 10,000 objects: opening a store that holds them (the LIST that fills its memory) and a
//   LIST of them from memory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../src/api/kinds/kind.ts";
import type { Change, Store } from "../../src/store/store-interface.ts";
import { Store as SqliteStore } from "../../src/store/store.ts";
import { EtcdStore } from "../../src/store/etcd/etcd-store.ts";
import { startEtcd } from "../support/etcd.ts";
import { runConcurrent } from "./lib/concurrent-load.ts";
import { median, summarize, type LatencySummary } from "./lib/stats.ts";

const [creates = 2_000, rounds = 3] = process.argv.slice(2).map(Number);
const root = mkdtempSync(join(process.env.SKIFF_BENCH_DIR ?? tmpdir(), "skiff-etcd-bench-"));
process.env.TMPDIR = root;
const etcd = await startEtcd(1);
const backends = ["sqlite", "etcd"] as const;
type Backend = (typeof backends)[number];
let stores = 0;

const pod = (i: number): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `pod-${i}`, namespace: "bench", uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString(), labels: { app: `app-${i % 10}` } },
    spec: { containers: [{ name: "main", image: "docker.io/library/busybox:1.36", command: ["sleep", "3600"], resources: { requests: { cpu: "10m", memory: "16Mi" } } }], nodeName: "node-1" },
    status: { phase: "Running", podIP: `10.42.${(i >> 8) & 255}.${i & 255}` },
  }) as KubeObject;

/** A new empty store of the backend, or (with `same`) another store on the data of the one named. */
async function open(backend: Backend, name = `s${++stores}`): Promise<Store> {
  if (backend === "sqlite") return SqliteStore.open({ url: `file:${join(root, `${name}.db`)}` });
  return EtcdStore.open({ endpoints: etcd.endpoints, prefix: `/bench/${name}/` });
}
const createPod = (store: Store, i: number) => store.write("pods", "bench", `pod-${i}`, () => ({ type: "ADDED", object: pod(i) })).then(() => undefined);

type Run = LatencySummary & { perSecond: number };
async function createRun(backend: Backend, clients: number): Promise<Run> {
  const store = await open(backend);
  await runConcurrent(clients, 100, (i) => createPod(store, creates + i)); // warm-up
  const load = await runConcurrent(clients, creates, (i) => createPod(store, i));
  if (load.failures.length) throw new Error(`${backend}: ${load.failures[0]}`);
  await store.close();
  return { ...summarize(load.latenciesMs), perSecond: (creates / load.wallMs) * 1000 };
}

/** Milliseconds from a write called on `writer` to `reader`'s subscriber hearing it, one write at a time. */
async function deliveryDelays(writer: Store, reader: Store, count: number): Promise<number[]> {
  const started = new Map<string, number>();
  const delays: number[] = [];
  let heard: (() => void) | undefined;
  reader.subscribe((c: Change) => {
    const t = started.get(c.name);
    if (t === undefined) return;
    delays.push(performance.now() - t);
    heard?.();
  });
  for (let i = 0; i < count; i++) {
    const name = `pod-${i}`;
    const done = new Promise<void>((r) => (heard = r));
    started.set(name, performance.now());
    await writer.write("pods", "bench", name, () => ({ type: "ADDED", object: pod(i) }));
    await done;
  }
  return delays;
}

const ms = (v: number) => `${v.toFixed(2)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
try {
  for (const clients of [8, 1]) {
    const runs: Record<Backend, Run[]> = { sqlite: [], etcd: [] };
    for (let round = 0; round < rounds; round++) for (const b of backends) runs[b].push(await createRun(b, clients));
    const med = (b: Backend, f: (r: Run) => number) => median(runs[b].map(f));
    console.log(`\n${creates} creates through the store from ${clients} client${clients > 1 ? "s" : ""}, ${rounds} rounds (medians over rounds)`);
    for (const b of backends) {
      console.log(`  ${b.padEnd(6)} p50 ${ms(med(b, (r) => r.p50))}, p99 ${ms(med(b, (r) => r.p99))}, ${med(b, (r) => r.perSecond).toFixed(0)} creates/s`);
      console.log(`    rounds: ${runs[b].map((r) => `p50 ${r.p50.toFixed(2)}/p99 ${r.p99.toFixed(2)} ms ${r.perSecond.toFixed(0)}/s`).join("; ")}`);
    }
    console.log(`  etcd / sqlite: p50 ${ratio(med("etcd", (r) => r.p50), med("sqlite", (r) => r.p50))}, p99 ${ratio(med("etcd", (r) => r.p99), med("sqlite", (r) => r.p99))}, throughput ${ratio(med("etcd", (r) => r.perSecond), med("sqlite", (r) => r.perSecond))}`);
  }

  const n = 500;
  const sqlite = await open("sqlite");
  const sqliteDelays = await deliveryDelays(sqlite, sqlite, n);
  await sqlite.close();
  const a = await open("etcd", "watch");
  const b = await open("etcd", "watch");
  const etcdDelays = await deliveryDelays(a, b, n);
  await a.close();
  await b.close();
  const s1 = summarize(sqliteDelays);
  const s2 = summarize(etcdDelays);
  console.log(`\nwatch delivery, ${n} writes one at a time, from the write call to the subscriber`);
  console.log(`  sqlite (same store)          p50 ${ms(s1.p50)}, p99 ${ms(s1.p99)}`);
  console.log(`  etcd (store A → store B)     p50 ${ms(s2.p50)}, p99 ${ms(s2.p99)}`);
  console.log(`  etcd / sqlite: p50 ${ratio(s2.p50, s1.p50)}, p99 ${ratio(s2.p99, s1.p99)}`);

  const objects = 10_000;
  console.log(`\n${objects} pods`);
  const figures: Record<Backend, { fill: number; open: number; list: number }> = {} as never;
  for (const backend of backends) {
    const name = `list-${backend}`;
    const store = await open(backend, name);
    const t0 = performance.now();
    const load = await runConcurrent(32, objects, (i) => createPod(store, i));
    if (load.failures.length) throw new Error(`${backend}: ${load.failures[0]}`);
    const fill = performance.now() - t0;
    await store.close();
    const t1 = performance.now();
    const again = await open(backend, name);
    const opened = performance.now() - t1;
    if (again.count("pods") !== objects) throw new Error(`${backend}: ${again.count("pods")} pods after reopening`);
    const lists: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const all = again.list("pods", "bench");
      lists.push(performance.now() - t);
      if (all.length !== objects) throw new Error(`${backend}: LIST gave ${all.length}`);
    }
    await again.close();
    figures[backend] = { fill, open: opened, list: median(lists) };
    console.log(`  ${backend.padEnd(6)} created in ${(fill / 1000).toFixed(2)} s from 32 clients; opening the store (loading all) ${ms(opened)}; LIST from memory ${ms(median(lists))}`);
  }
  console.log(`  etcd / sqlite: create ${ratio(figures.etcd.fill, figures.sqlite.fill)}, open ${ratio(figures.etcd.open, figures.sqlite.open)}, LIST ${ratio(figures.etcd.list, figures.sqlite.list)}`);
} finally {
  await etcd.stop();
  rmSync(root, { recursive: true, force: true });
}
