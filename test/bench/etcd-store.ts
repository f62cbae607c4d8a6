// The etcd store beside the SQLite store, in one process, on the same disk (run: bun
// test/bench/etcd-store.ts [creates] [rounds]; SKIFF_BENCH_DIR picks the disk). A real
// single-member etcd (Debian etcd-server) on a loopback port.
// - Creates through the store from 8 clients and from 1: p50/p99 and creates/s, rounds
//   interleaved so drift in the machine's load hits both alike.
// - Watch delivery: from a write called on store A to a subscriber of store B on the same
//   etcd (two servers' worth), against a write to a subscriber of the same SQLite store.
// - 10,000 objects: opening a store that holds them (the LIST that fills its memory) and a
//   LIST of them from memory.
// - Through servers (the compiled binary, --disable-agent): creates over HTTPS from 8 clients
//   on a SQLite server and on an etcd server, a watch on server B hearing writes made on
//   server A (both on one etcd), against a watch on the SQLite server hearing its own
//   writes, and each server's RSS after the creates.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../src/api/kinds/kind.ts";
import type { Change, Store } from "../../src/store/store-interface.ts";
import { Store as SqliteStore } from "../../src/store/store.ts";
import { EtcdStore } from "../../src/store/etcd/etcd-store.ts";
import { startEtcd } from "../support/etcd.ts";
import { runConcurrent } from "./lib/concurrent-load.ts";
import { median, summarize, type LatencySummary } from "./lib/stats.ts";
import { ensureFreshSkiffBinary } from "./lib/skiff-binary.ts";
import { expectStatus, startSkiffServer, type SkiffServer } from "./lib/skiff-server-process.ts";
import { watchDelays } from "./lib/watch-fanout.ts";

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

  await throughServers();
} finally {
  await etcd.stop();
  rmSync(root, { recursive: true, force: true });
}

/** Creates over HTTPS, watch fan-out between two servers and RSS, SQLite server beside etcd servers. */
async function throughServers() {
  const binary = await ensureFreshSkiffBinary((line) => console.log(line));
  const etcdArgs = ["--datastore-endpoint", etcd.endpoints.join(","), "--etcd-prefix", "/bench-servers/"];
  const sqlite = await startSkiffServer({ binary });
  const a = await startSkiffServer({ binary, extraArgs: etcdArgs });
  // Server B joins A's cluster with its token: it takes A's CA and keys from etcd.
  const b = await startSkiffServer({ binary, extraArgs: [...etcdArgs, "--token", readFileSync(join(a.dataDir, "server", "token"), "utf8").trim()] });
  try {
    const serverCreates = 1_000;
    const post = (server: SkiffServer, name: string) =>
      server.api("/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name }, data: { k: "v".repeat(64) } }) }).then((r) => expectStatus(r, 201, `create ${name}`));
    const figures: Record<string, Run & { rss: number }> = {};
    for (const [label, server] of [["sqlite", sqlite], ["etcd", a]] as const) {
      await runConcurrent(8, 100, (i) => post(server, `warm-${i}`).then(() => undefined));
      const load = await runConcurrent(8, serverCreates, (i) => post(server, `cm-${i}`).then(() => undefined));
      if (load.failures.length) throw new Error(`${label}: ${load.failures[0]}`);
      await Bun.sleep(2000);
      figures[label] = { ...summarize(load.latenciesMs), perSecond: (serverCreates / load.wallMs) * 1000, rss: server.rssBytes() };
    }
    console.log(`\n${serverCreates} ConfigMap creates over HTTPS from 8 clients, one server`);
    for (const label of ["sqlite", "etcd"]) {
      const f = figures[label]!;
      console.log(`  ${label.padEnd(6)} p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, ${f.perSecond.toFixed(0)} creates/s; server RSS after ${(f.rss / 2 ** 20).toFixed(1)} MiB`);
    }
    const e = figures.etcd!;
    const q = figures.sqlite!;
    console.log(`  etcd / sqlite: p50 ${ratio(e.p50, q.p50)}, p99 ${ratio(e.p99, q.p99)}, throughput ${ratio(e.perSecond, q.perSecond)}; RSS ${((e.rss - q.rss) / 2 ** 20).toFixed(1)} MiB more`);

    const n = 200;
    const sq = await watchDelays(sqlite, sqlite, n, post);
    const ab = await watchDelays(a, b, n, post);
    console.log(`\nwatch over HTTPS, ${n} creates one at a time, from the POST to the watch event`);
    console.log(`  sqlite (same server)           p50 ${ms(sq.p50)}, p99 ${ms(sq.p99)}`);
    console.log(`  etcd (POST on A, watch on B)   p50 ${ms(ab.p50)}, p99 ${ms(ab.p99)}`);
    console.log(`  etcd / sqlite: p50 ${ratio(ab.p50, sq.p50)}, p99 ${ratio(ab.p99, sq.p99)}`);
  } finally {
    await Promise.all([sqlite.stop(), a.stop(), b.stop()]);
  }
}
