// Fleet-scale benchmark over the real API: the compiled server (--disable-agent, SQLite,
// durable commits) and `skiff hollow-agents` processes (each agent with its own credential,
// watch and Lease) on this one machine. For each fleet size it measures join + Ready, a
// hold with every Lease renewed (missed leases, NotReady flaps, server CPU and RSS, GET and
// mutating latencies), `kubectl get nodes`, Deployments scheduled and reported Running over
// the fleet, database size against live data, node-failure detection with a tenth of the
// fleet silent, and the storm guard with 60 % silent. Prints one table per size and the
// growth of each figure against the first size (the baseline run in the same process).
// Run: flock /tmp/skiff-bench.lock node_modules/.bin/bun test/bench/fleet.ts [sizes=1000,5000,10000] [holdSeconds=60] [podsPerNode=10]
import { Database } from "bun:sqlite";
import { readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { skiffBinary, ensureFreshSkiffBinary } from "./lib/skiff-binary.ts";
import { startSkiffServer, type SkiffServer } from "./lib/skiff-server-process.ts";
import { renderTable, type Figure } from "./lib/report-table.ts";
import { quantile } from "./lib/stats.ts";
import { watchEvents } from "../../src/client/api-client.ts";

const sizes = (process.argv[2] ?? "1000,5000,10000").split(",").map(Number);
const holdSeconds = Number(process.argv[3] ?? 60);
const podsPerNode = Number(process.argv[4] ?? 10);
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

type Hollow = { proc: ReturnType<typeof Bun.spawn>; names: string[]; reports: Record<string, any>[]; out: () => string };
type NodeObj = { metadata: { name: string }; status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } };
const isReady = (n: NodeObj) => !!n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");

function startHollow(server: SkiffServer, prefix: string, count: number, dataDir: string): Hollow {
  const joinToken = readFileSync(join(server.dataDir, "server", "token"), "utf8").trim();
  const args = ["hollow-agents", "--server", server.url, "--token", joinToken, "--count", String(count), "--name-prefix", prefix, "--data-dir", dataDir, "--pods-per-node", String(Math.max(110, podsPerNode * 2)), "--report-seconds", "5"];
  // The fetch limit set here, so the process is the one whose PID we hold (no relaunch).
  const proc = Bun.spawn([skiffBinary, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(count + 1024) } });
  const h: Hollow = { proc, names: Array.from({ length: count }, (_, i) => `${prefix}${i}`), reports: [], out: () => out };
  let out = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of stream) {
      buf += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{"hollow":')) h.reports.push(JSON.parse(line).hollow);
        else out = (out + line + "\n").slice(-10_000);
      }
    }
  };
  void pump(proc.stdout as ReadableStream<Uint8Array>);
  void pump(proc.stderr as ReadableStream<Uint8Array>);
  return h;
}

async function stopHollow(h: Hollow, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<number> {
  const t = performance.now();
  if (h.proc.exitCode === null && h.proc.signalCode === null) {
    h.proc.kill(signal);
    const exited = await Promise.race([h.proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!exited) {
      h.proc.kill("SIGKILL");
      await h.proc.exited;
    }
  }
  return (performance.now() - t) / 1000;
}

async function getJson<T>(server: SkiffServer, path: string): Promise<T> {
  const res = await server.api(path);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** Latency samples of a bounded stream of calls (one every `everyMs`) until stopped. */
function sampler(call: () => Promise<Response>, everyMs: number) {
  const samples: number[] = [];
  let errors = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const t = performance.now();
      try {
        const res = await call();
        await res.arrayBuffer();
        if (res.ok) samples.push(performance.now() - t);
        else errors++;
      } catch {
        errors++;
      }
      await Bun.sleep(everyMs);
    }
  })();
  return {
    take: () => samples.splice(0),
    errors: () => errors,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Counts transitions of Nodes away from Ready, from a watch of nodes. */
function flapCounter(server: SkiffServer) {
  const ac = new AbortController();
  const ready = new Map<string, boolean>();
  let flaps = 0;
  void (async () => {
    while (!ac.signal.aborted) {
      try {
        const res = await server.api("/api/v1/nodes?watch=true&allowWatchBookmarks=true", { signal: ac.signal });
        for await (const ev of watchEvents(res)) {
          if (ev.type === "BOOKMARK" || ev.type === "ERROR") continue;
          const node = ev.object as unknown as NodeObj;
          const now = isReady(node);
          if (ready.get(node.metadata.name) === true && !now) flaps++;
          ready.set(node.metadata.name, now);
        }
      } catch {
        if (!ac.signal.aborted) await Bun.sleep(500);
      }
    }
  })();
  return { flaps: () => flaps, stop: () => ac.abort() };
}

function dbBytes(dataDir: string): number {
  // The database and its WAL; the fixed 8 MiB disk reserve beside them is not data.
  const dir = join(dataDir, "server", "db");
  return readdirSync(dir).filter((f) => f.startsWith("state.db")).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

function liveBytes(dataDir: string): number {
  const db = new Database(join(dataDir, "server", "db", "state.db"), { readonly: true });
  try {
    return Number((db.query("SELECT sum(length(resource) + length(namespace) + length(name) + length(value) + 8) AS n FROM objects").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

const deployment = (name: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "default" },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } } },
});

async function runSize(n: number): Promise<Figure[]> {
  log(`=== ${n} nodes (load ${load()})`);
  const server = await startSkiffServer({
    binary: skiffBinary,
    extraArgs: ["--cluster-cidr", "10.0.0.0/8", "--max-connections-per-address", String(n + 2000)],
    readyTimeoutMs: 60_000,
  });
  const hollowDir = join(tmpdir(), `skiff-bench-fleet-${process.pid}-${n}`);
  // Three processes: A keeps running; C (a tenth) goes silent for node-failure detection; then B too (60 % silent in all) for the storm guard.
  const sizeC = Math.round(n / 10);
  const sizeB = Math.round(n / 2);
  const sizeA = n - sizeB - sizeC;
  const hollows: Hollow[] = [];
  const figures: Figure[] = [];
  const flaps = flapCounter(server);
  try {
    const t0 = performance.now();
    const a = startHollow(server, "fleet-a-", sizeA, hollowDir);
    const b = startHollow(server, "fleet-b-", sizeB, hollowDir);
    const c = startHollow(server, "fleet-c-", sizeC, hollowDir);
    hollows.push(a, b, c);
    let lastProgress = 0;
    await waitUntil(`${n} Ready nodes`, async () => {
      const nodes = (await getJson<{ items: NodeObj[] }>(server, "/api/v1/nodes")).items;
      const ready = nodes.filter(isReady).length;
      if (Date.now() - lastProgress > 15_000) {
        lastProgress = Date.now();
        log(`  ${ready}/${n} Ready, server RSS ${(server.rssBytes() / 2 ** 20).toFixed(0)} MB`);
      }
      for (const h of hollows) if (h.proc.exitCode !== null) throw new Error(`a hollow-agents process exited ${h.proc.exitCode}: ${h.out()}`);
      return ready === n ? true : undefined;
    }, 600_000, 2000);
    const joinS = (performance.now() - t0) / 1000;
    log(`  joined and Ready in ${joinS.toFixed(1)} s (load ${load()})`);
    figures.push({ name: "join + Ready", value: joinS, unit: "s", goal: 120, note: `${n} nodes, 3 hollow processes` });

    // Hold: every Lease renewed; a reader and a writer sample the API meanwhile.
    const get = sampler(() => server.api(`/api/v1/nodes/fleet-a-${Math.floor(Math.random() * sizeA)}`), 100);
    await server.api("/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "bench-writes" }, data: { n: "0" } }) }).then((r) => r.arrayBuffer());
    let writes = 0;
    const put = sampler(() => server.api("/api/v1/namespaces/default/configmaps/bench-writes", { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ data: { n: String(++writes) } }) }), 200);
    const flapsBefore = flaps.flaps();
    const missesBefore = hollows.reduce((s, h) => s + (h.reports.at(-1)?.leaseMisses ?? 0) + (h.reports.at(-1)?.leaseFailures ?? 0), 0);
    const reportsBefore = hollows.map((h) => h.reports.length);
    const cpu0 = server.cpuMs();
    const h0 = performance.now();
    await Bun.sleep(holdSeconds * 1000);
    const idleCpu = (server.cpuMs() - cpu0) / (performance.now() - h0);
    const missed = hollows.reduce((s, h) => s + (h.reports.at(-1)?.leaseMisses ?? 0) + (h.reports.at(-1)?.leaseFailures ?? 0), 0) - missesBefore;
    const leaseP99 = Math.max(...hollows.flatMap((h, i) => h.reports.slice(reportsBefore[i]).map((r) => r.latency?.lease?.p99 ?? 0)));
    const holdGet = get.take();
    const holdPut = put.take();
    log(`  hold ${holdSeconds} s: server CPU ${(idleCpu * 100).toFixed(1)} % of a core, RSS ${(server.rssBytes() / 2 ** 20).toFixed(0)} MB (load ${load()})`);
    figures.push({ name: "server CPU, fleet idle", value: idleCpu * 100, unit: "% core", goal: 25, note: `${holdSeconds} s hold, ${(n / 10).toFixed(0)} Lease writes/s` });
    figures.push({ name: "lease misses + failures", value: missed, unit: "", goal: 0, note: `${holdSeconds} s hold` });
    figures.push({ name: "NotReady flaps", value: flaps.flaps() - flapsBefore, unit: "", goal: 0, note: `${holdSeconds} s hold` });
    figures.push({ name: "Lease renew p99 (agents)", value: leaseP99, unit: "ms", goal: 1000, note: "worst 5 s interval of the hold" });
    figures.push({ name: "GET node p99, idle", value: quantile(holdGet, 0.99), unit: "ms", goal: 1000, note: `${holdGet.length} GETs` });
    figures.push({ name: "PATCH p99, idle", value: quantile(holdPut, 0.99), unit: "ms", goal: 1000, note: `${holdPut.length} ConfigMap patches` });
    figures.push({ name: "server RSS, nodes only", value: server.rssBytes() / 2 ** 20, unit: "MB", goal: 1536 });

    const kubeconfig = join(server.dataDir, "kubeconfig.yaml");
    const kubectlTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const p = Bun.spawnSync(["kubectl", "--kubeconfig", kubeconfig, "get", "nodes", "--no-headers"], { stdout: "pipe", stderr: "pipe" });
      kubectlTimes.push((performance.now() - t) / 1000);
      const rows = p.stdout.toString().trim().split("\n").length;
      if (p.exitCode !== 0 || rows !== n) throw new Error(`kubectl get nodes: exit ${p.exitCode}, ${rows} rows: ${p.stderr.toString().slice(0, 300)}`);
    }
    figures.push({ name: "kubectl get nodes", value: quantile(kubectlTimes, 0.5), unit: "s", goal: 5, note: `median of 3, ${n} rows` });

    // Deployments over the fleet: bound through the API by the scheduler, Running as the agents report it.
    const total = n * podsPerNode;
    const perDeployment = Math.ceil(total / 10);
    const tp = performance.now();
    for (let i = 0; i < 10; i++) {
      const res = await server.api("/apis/apps/v1/namespaces/default/deployments", { method: "POST", body: JSON.stringify(deployment(`fleet-${i}`, perDeployment)) });
      if (res.status !== 201) throw new Error(`create deployment: ${res.status} ${await res.text()}`);
    }
    lastProgress = 0;
    await waitUntil(`${perDeployment * 10} pods Ready`, async () => {
      const ds = (await getJson<{ items: { status?: { readyReplicas?: number } }[] }>(server, "/apis/apps/v1/namespaces/default/deployments")).items;
      const readyPods = ds.reduce((s, d) => s + (d.status?.readyReplicas ?? 0), 0);
      if (Date.now() - lastProgress > 15_000) {
        lastProgress = Date.now();
        log(`  ${readyPods}/${perDeployment * 10} pods Ready, server RSS ${(server.rssBytes() / 2 ** 20).toFixed(0)} MB (load ${load()})`);
      }
      return readyPods >= perDeployment * 10 ? true : undefined;
    }, 1_800_000, 1000);
    const podsS = (performance.now() - tp) / 1000;
    const busyGet = get.take();
    const busyPut = put.take();
    log(`  ${perDeployment * 10} pods Running and Ready in ${podsS.toFixed(1)} s (load ${load()})`);
    figures.push({ name: "pods scheduled + Running", value: (perDeployment * 10) / podsS, unit: "pods/s", goal: 1000, atLeast: true, note: `${perDeployment * 10} pods in 10 Deployments, ${podsS.toFixed(1)} s` });
    figures.push({ name: "GET node p99, scheduling", value: quantile(busyGet, 0.99), unit: "ms", goal: 1000, note: `${busyGet.length} GETs` });
    figures.push({ name: "PATCH p99, scheduling", value: quantile(busyPut, 0.99), unit: "ms", goal: 1000, note: `${busyPut.length} patches` });
    const statusP99 = Math.max(...hollows.flatMap((h) => h.reports.slice(-Math.ceil(podsS / 5) - 1).map((r) => r.latency?.podStatus?.p99 ?? 0)));
    figures.push({ name: "pod status p99 (agents)", value: statusP99, unit: "ms", goal: 1000, note: "worst 5 s interval while scheduling" });
    await Bun.sleep(15_000);
    const cpu1 = server.cpuMs();
    const i0 = performance.now();
    await Bun.sleep(30_000);
    figures.push({ name: "server CPU, with pods", value: ((server.cpuMs() - cpu1) / (performance.now() - i0)) * 100, unit: "% core", goal: 25, note: "30 s, after scheduling settled" });
    figures.push({ name: "server RSS, with pods", value: server.rssBytes() / 2 ** 20, unit: "MB", goal: 1536, note: `${n} nodes, ${perDeployment * 10} pods` });
    const db = dbBytes(server.dataDir);
    const live = liveBytes(server.dataDir);
    figures.push({ name: "database / live data", value: db / live, unit: "×", goal: 2, note: `${(db / 2 ** 20).toFixed(0)} MB file(s), ${(live / 2 ** 20).toFixed(0)} MB live` });
    await get.stop();
    await put.stop();

    // A tenth of the fleet goes silent at once (its process killed, as dead machines).
    await stopHollow(c, "SIGKILL");
    const killedAt = Date.now();
    const cNames = new Set(c.names);
    await waitUntil(`${sizeC} nodes NotReady`, async () => {
      const nodes = (await getJson<{ items: NodeObj[] }>(server, "/api/v1/nodes")).items.filter((x) => cNames.has(x.metadata.name));
      return nodes.every((x) => !isReady(x)) ? true : undefined;
    }, 120_000, 500);
    const allDown = (Date.now() - killedAt) / 1000;
    // Detection per node: its Ready transition against its last Lease renewal.
    const leases = new Map((await getJson<{ items: { metadata: { name: string }; spec: { renewTime: string } }[] }>(server, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")).items.map((l) => [l.metadata.name, Date.parse(l.spec.renewTime)]));
    const delays = (await getJson<{ items: NodeObj[] }>(server, "/api/v1/nodes")).items.filter((x) => cNames.has(x.metadata.name)).map((x) => {
      const t = x.status?.conditions?.find((k) => k.type === "Ready")?.lastTransitionTime;
      return (Date.parse(t!) - leases.get(x.metadata.name)!) / 1000;
    });
    figures.push({ name: "failure detection (p99)", value: quantile(delays, 0.99), unit: "s", goal: 18, note: `${sizeC} silent at once; last renewal → NotReady (1 s clock resolution); all NotReady ${allDown.toFixed(1)} s after the kill` });

    // Then half the fleet more: 60 % silent, past the 55 % storm guard: no pod of theirs may be evicted.
    const podsOn = async (names: Set<string>) => new Set((await getJson<{ items: { metadata: { uid: string }; spec: { nodeName?: string } }[] }>(server, "/api/v1/pods")).items.filter((p) => names.has(p.spec.nodeName ?? "")).map((p) => p.metadata.uid));
    const bNames = new Set(b.names);
    const bPodsBefore = await podsOn(bNames);
    await stopHollow(b, "SIGKILL");
    await waitUntil(`${sizeB} more nodes NotReady`, async () => {
      const nodes = (await getJson<{ items: NodeObj[] }>(server, "/api/v1/nodes")).items.filter((x) => bNames.has(x.metadata.name));
      return nodes.every((x) => !isReady(x)) ? true : undefined;
    }, 120_000, 1000);
    // The default pod-eviction timeout is 30 s; 45 s more shows whether evictions were held.
    await Bun.sleep(45_000);
    const bPodsAfter = await podsOn(bNames);
    figures.push({ name: "storm guard: pods evicted", value: [...bPodsBefore].filter((uid) => !bPodsAfter.has(uid)).length, unit: "pods", goal: 0, note: `${sizeB + sizeC} of ${n} nodes silent (${Math.round(((sizeB + sizeC) / n) * 100)} %), 45 s past NotReady` });

    const stopS = await stopHollow(a);
    figures.push({ name: "hollow process stop", value: stopS, unit: "s", goal: 10, note: `SIGTERM, ${sizeA} agents` });
    return figures;
  } finally {
    flaps.stop();
    for (const h of hollows) await stopHollow(h, "SIGKILL");
    await server.stop();
    rmSync(hollowDir, { recursive: true, force: true });
  }
}

await ensureFreshSkiffBinary(log);
const results: { n: number; figures: Figure[] }[] = [];
for (const n of sizes) {
  const figures = await runSize(n);
  results.push({ n, figures });
  console.log(`\n${n} nodes, server and hollow agents on this 2-core machine (load ${load()}):\n${renderTable(figures)}\n`);
}
// Growth: each figure at each size, and its ratio to the first size's.
const names = results[0]!.figures.map((f) => f.name);
const header = ["figure", ...results.map((r) => `${r.n} nodes`), ...results.slice(1).map((r) => `${r.n}/${results[0]!.n}`)];
const rows = names.map((name) => {
  const v = results.map((r) => r.figures.find((f) => f.name === name)?.value ?? NaN);
  const unit = results[0]!.figures.find((f) => f.name === name)!.unit;
  return [name, ...v.map((x) => `${Number.isNaN(x) ? "n/a" : x >= 100 ? x.toFixed(0) : x.toFixed(2)} ${unit}`), ...v.slice(1).map((x) => (v[0] ? `${(x / v[0]).toFixed(2)}×` : "n/a"))];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
console.log(["growth:", [header, widths.map((w) => "-".repeat(w)), ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n")].join("\n"));
