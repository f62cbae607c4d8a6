// Several servers on one etcd, beside a SQLite server, in one run (bun test/bench/ha.ts
// [creates] [failovers]). A real 3-member etcd (Debian etcd-server) on loopback ports; the
// servers are the compiled binary with --disable-agent (no pod network: loopback only).
// - Creates over HTTPS from 8 clients: one SQLite server (the baseline), one etcd server,
//   and three etcd servers with the clients spread over them: p50/p99 and creates/s; the
//   SQLite and the etcd server's RSS after the same creates.
// - Watch fan-out: from a POST on server A to the event on a watch on server B, against a
//   watch on the SQLite server hearing its own writes.
// - Leader failover: SIGKILL of the leading server, then the time until another server
//   leads and until a Deployment scaled right after the kill has its ReplicaSet scaled
//   (the change acted on); the killed server is started again for the next round.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd } from "../support/etcd.ts";
import { runConcurrent } from "./lib/concurrent-load.ts";
import { median, summarize, type LatencySummary } from "./lib/stats.ts";
import { ensureFreshSkiffBinary } from "./lib/skiff-binary.ts";
import { expectStatus, startSkiffServer, type SkiffServer } from "./lib/skiff-server-process.ts";
import { watchDelays } from "./lib/watch-fanout.ts";

const [creates = 1_000, failovers = 3] = process.argv.slice(2).map(Number);
const root = mkdtempSync(join(process.env.SKIFF_BENCH_DIR ?? tmpdir(), "skiff-ha-bench-"));
process.env.TMPDIR = root;
const ms = (v: number) => `${v.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const etcd = await startEtcd(3);
const binary = await ensureFreshSkiffBinary((line) => console.log(line));
const etcdArgs = ["--datastore-endpoint", etcd.endpoints.join(","), "--etcd-prefix", "/bench-ha/registry/"];
const servers: SkiffServer[] = [];
let sqlite: SkiffServer | undefined;

const post = (server: SkiffServer, name: string) =>
  server.api("/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name }, data: { k: "v".repeat(64) } }) }).then((r) => expectStatus(r, 201, `create ${name}`));

type Run = LatencySummary & { perSecond: number };
async function createRun(label: string, through: SkiffServer[]): Promise<Run> {
  await runConcurrent(8, 100, (i) => post(through[i % through.length]!, `warm-${label}-${i}`).then(() => undefined));
  const run = await runConcurrent(8, creates, (i) => post(through[i % through.length]!, `cm-${label}-${i}`).then(() => undefined));
  if (run.failures.length) throw new Error(`${label}: ${run.failures[0]}`);
  return { ...summarize(run.latenciesMs), perSecond: (creates / run.wallMs) * 1000 };
}

async function leads(s: SkiffServer): Promise<boolean> {
  try {
    const text = await (await s.api("/metrics", { signal: AbortSignal.timeout(1000) })).text();
    return /^leader_election_master_status\{name="skiff-controller-manager"\} 1/m.test(text);
  } catch {
    return false;
  }
}

async function leader(among: SkiffServer[], timeoutMs: number): Promise<SkiffServer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const s of among) if (await leads(s)) return s;
    if (Date.now() > deadline) throw new Error("no server leads");
    await Bun.sleep(50);
  }
}

const deployment = (replicas: number) => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "failover" }, spec: { replicas, selector: { matchLabels: { app: "failover" } }, template: { metadata: { labels: { app: "failover" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } });

async function replicaSetReplicas(s: SkiffServer): Promise<number | undefined> {
  const list = (await (await s.api("/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dfailover")).json()) as { items?: { spec: { replicas: number } }[] };
  return list.items?.[0]?.spec.replicas;
}

try {
  console.log(`load average at start: ${load()}`);
  sqlite = await startSkiffServer({ binary });
  const a = await startSkiffServer({ binary, extraArgs: etcdArgs });
  servers.push(a);
  const token = readFileSync(join(a.dataDir, "server", "token"), "utf8").trim();
  const join_ = ["--token", token];
  for (let i = 0; i < 2; i++) servers.push(await startSkiffServer({ binary, extraArgs: [...etcdArgs, ...join_] }));

  const base = await createRun("sqlite", [sqlite]);
  const one = await createRun("etcd1", [servers[0]!]);
  // Both servers have taken the same creates by now; RSS a moment after, as the etcd benchmark reads it.
  await Bun.sleep(2000);
  const rss = { sqlite: sqlite.rssBytes(), etcd: servers[0]!.rssBytes() };
  const three = await createRun("etcd3", servers);
  console.log(`\n${creates} ConfigMap creates over HTTPS from 8 clients (load average ${load()})`);
  for (const [label, r] of [["SQLite, one server", base], ["etcd, one server", one], ["etcd, three servers", three]] as const) {
    console.log(`  ${label.padEnd(22)} p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${r.perSecond.toFixed(0)} creates/s`);
  }
  console.log(`  etcd 1 server / SQLite: p50 ${ratio(one.p50, base.p50)}, p99 ${ratio(one.p99, base.p99)}, throughput ${ratio(one.perSecond, base.perSecond)}`);
  console.log(`  etcd 3 servers / 1:     p50 ${ratio(three.p50, one.p50)}, p99 ${ratio(three.p99, one.p99)}, throughput ${ratio(three.perSecond, one.perSecond)}`);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`  server RSS after ${creates + 100} creates: SQLite ${mib(rss.sqlite)} MiB, etcd ${mib(rss.etcd)} MiB (${rss.etcd >= rss.sqlite ? "+" : ""}${mib(rss.etcd - rss.sqlite)} MiB; goal ≤ +10 MB)`);

  const n = 200;
  const same = await watchDelays(sqlite, sqlite, n, post);
  const across = await watchDelays(servers[0]!, servers[1]!, n, post);
  console.log(`\nwatch over HTTPS, ${n} creates one at a time, from the POST to the watch event (load average ${load()})`);
  console.log(`  SQLite (same server)            p50 ${ms(same.p50)}, p99 ${ms(same.p99)}`);
  console.log(`  etcd (POST on A, watch on B)    p50 ${ms(across.p50)}, p99 ${ms(across.p99)}`);
  console.log(`  A→B / SQLite: p50 ${ratio(across.p50, same.p50)}, p99 ${ratio(across.p99, same.p99)}`);

  expectStatus(await servers[0]!.api("/apis/apps/v1/namespaces/default/deployments", { method: "POST", body: JSON.stringify(deployment(1)) }), 201, "deployment");
  const leaseMs: number[] = [];
  const actedMs: number[] = [];
  for (let round = 1; round <= failovers; round++) {
    let replicas = (await replicaSetReplicas(servers[0]!)) ?? 0;
    const current = await leader(servers, 30_000);
    const others = servers.filter((s) => s !== current);
    // Wait for the ReplicaSet to exist before the kill, so the change after it is the only one pending.
    for (let t = 0; t < 200 && !replicas; t++) replicas = (await replicaSetReplicas(others[0]!)) ?? (await Bun.sleep(50), 0);
    const killedAt = performance.now();
    process.kill(current.pid, "SIGKILL");
    const target = replicas + 1;
    await others[0]!.api("/apis/apps/v1/namespaces/default/deployments/failover/scale", { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { replicas: target } }) }).then((r) => expectStatus(r, 200, "scale"));
    const next = await leader(others, 40_000);
    leaseMs.push(performance.now() - killedAt);
    while ((await replicaSetReplicas(next)) !== target) await Bun.sleep(50);
    actedMs.push(performance.now() - killedAt);
    console.log(`  failover ${round}: new leader after ${(leaseMs.at(-1)! / 1000).toFixed(2)} s, scale acted on after ${(actedMs.at(-1)! / 1000).toFixed(2)} s (load average ${load()})`);
    // The killed server comes back (same data dir) for the next round.
    await current.stop({ keepDataDir: true });
    servers.splice(servers.indexOf(current), 1, await startSkiffServer({ binary, dataDir: current.dataDir, extraArgs: [...etcdArgs, ...join_] }));
  }
  console.log(`\nleader failover over ${failovers} SIGKILLs of the leading server (lease 15 s, renew deadline 10 s, retry 2 s)`);
  console.log(`  new leader: median ${(median(leaseMs) / 1000).toFixed(2)} s, max ${(Math.max(...leaseMs) / 1000).toFixed(2)} s; Deployment change acted on: median ${(median(actedMs) / 1000).toFixed(2)} s, max ${(Math.max(...actedMs) / 1000).toFixed(2)} s`);
  console.log(`  acted-on / 15 s goal: median ${ratio(median(actedMs), 15_000)}, max ${ratio(Math.max(...actedMs), 15_000)}`);
} finally {
  await Promise.all([sqlite?.stop(), ...servers.map((s) => s.stop())]);
  await etcd.stop();
  rmSync(root, { recursive: true, force: true });
}
