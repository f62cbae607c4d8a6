// Control-plane benchmark with hollow nodes (run: bun test/bench/control-plane.ts [nodes] [pods] [deployReplicas] [totalPods] [sampleSeconds]).
// Measures scheduling throughput, a Deployment scaled 0 → N to all Running, and the
// process's RSS and CPU with the nodes renewing leases and the pods in place.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadavg } from "node:os";
import { allKinds } from "../../src/api/kinds/index.ts";
import { Registry } from "../../src/api/registry/registry.ts";
import { Store } from "../../src/store/store.ts";
import { startControlPlaneLoops } from "../../src/controllers/index.ts";
import { startHollowNodes } from "../../src/hollow/hollow-nodes.ts";

const [nodeCount = 1000, podCount = 10_000, deployReplicas = 3000, totalPods = 30_000, sampleSeconds = 30] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), "skiff-bench-"));
const store = await Store.open({ url: `file:${join(dir, "state.db")}` });
const registry = new Registry(store, allKinds);
const kind = (plural: string) => allKinds.find((k) => k.plural === plural)!;
for (const name of ["default", "kube-system", "kube-node-lease", "bench"]) await registry.create(kind("namespaces"), "", { metadata: { name } });

const loops = startControlPlaneLoops(registry, {});
let t = performance.now();
const hollow = await startHollowNodes(registry, { count: nodeCount });
console.log(`${nodeCount} hollow nodes registered in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const waitFor = async (check: () => boolean, what: string, timeoutMs = 600_000, progress?: () => string) => {
  const deadline = Date.now() + timeoutMs;
  let report = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    if (progress && Date.now() > report) {
      report = Date.now() + 10_000;
      console.log(`  … ${progress()}`);
    }
    await Bun.sleep(20);
  }
};
const bound = (ns: string) => store.list("pods", ns).filter((p) => (p.spec as { nodeName?: string }).nodeName).length;
const podBody = (i: number) => ({ metadata: { name: `p-${i}`, labels: { bench: "sched" } }, spec: { containers: [{ name: "c", image: "localhost/bench:1", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } });

/** Create pods as an API client would: a bounded number of requests in flight, so other writers (leases) are not starved. */
async function createPods(from: number, count: number) {
  let next = from;
  const end = from + count;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < end) await registry.create(kind("pods"), "bench", podBody(next++));
  }));
}

// Other work on the machine skews the timings: say how busy it was, and how much CPU this process used.
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
console.log(`load average at start: ${load()}`);
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
};

// 1. Scheduling throughput: pods created as fast as the store takes them, timed until all are bound.
t = performance.now();
const schedCpu0 = process.cpuUsage();
const commits0 = { groups: store.groupCommits, writes: store.groupedWrites };
await createPods(0, podCount);
const createdS = (performance.now() - t) / 1000;
await waitFor(() => bound("bench") >= podCount, "all bench pods bound");
const schedS = (performance.now() - t) / 1000;
const podsPerS = podCount / schedS;
console.log(`scheduling: ${podCount} pods created in ${createdS.toFixed(1)} s, all bound after ${schedS.toFixed(1)} s → ${podsPerS.toFixed(0)} pods/s (goal ≥ 1000: ${(podsPerS / 1000).toFixed(2)}×)`);
const groups = store.groupCommits - commits0.groups;
const grouped = store.groupedWrites - commits0.writes;
console.log(`  process CPU ${cpuSeconds(schedCpu0).toFixed(1)} s (${((cpuSeconds(schedCpu0) / podCount) * 1e6).toFixed(0)} µs per pod); ${grouped} writes in ${groups} transactions (${(grouped / Math.max(1, groups)).toFixed(1)} per commit)`);

// 2. A Deployment scaled 0 → N, until N replicas are available (hollow nodes report Running/Ready).
await registry.create(kind("deployments"), "default", { metadata: { name: "bench" }, spec: { replicas: 0, selector: { matchLabels: { app: "bench" } }, template: { metadata: { labels: { app: "bench" } }, spec: { containers: [{ name: "c", image: "localhost/bench:1" }] } } } });
await Bun.sleep(200);
t = performance.now();
await registry.replace(kind("deployments"), "default", "bench", (d) => ({ ...d!, spec: { ...(d!.spec as object), replicas: deployReplicas } }));
await waitFor(() => ((registry.get(kind("deployments"), "default", "bench").status as { availableReplicas?: number }) ?? {}).availableReplicas === deployReplicas, "deployment available", 600_000, () => {
  const ps = store.list("pods", "default");
  return `status ${JSON.stringify(registry.get(kind("deployments"), "default", "bench").status).slice(0, 200)}; pods ${ps.length}, bound ${ps.filter((p) => (p.spec as { nodeName?: string }).nodeName).length}, running ${ps.filter((p) => (p.status as { phase?: string } | undefined)?.phase === "Running").length}; scheduler pending ${loops.scheduler!.pending}`;
});
const deployS = (performance.now() - t) / 1000;
console.log(`deployment 0 → ${deployReplicas}: all Running and available after ${deployS.toFixed(1)} s`);

// 3. Fill up to the total pod count, then sample the steady state.
const extra = Math.max(0, totalPods - podCount - deployReplicas);
t = performance.now();
await createPods(podCount, extra);
await waitFor(() => bound("bench") >= podCount + extra, "extra pods bound");
console.log(`${extra} more pods bound in ${((performance.now() - t) / 1000).toFixed(1)} s; ${store.count("pods")} pods in the store`);
await Bun.sleep(2000); // let the last status writes settle
Bun.gc(true);
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
let peakRss = 0;
const samples: number[] = [];
while (performance.now() - wall0 < sampleSeconds * 1000) {
  const rss = process.memoryUsage().rss;
  samples.push(rss);
  peakRss = Math.max(peakRss, rss);
  await Bun.sleep(1000);
}
const cpu = process.cpuUsage(cpu0);
const cpuShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wall0);
const mb = (b: number) => b / 2 ** 20;
const avgRss = samples.reduce((a, b) => a + b, 0) / samples.length;
console.log(`steady state (${nodeCount} nodes renewing every 10 s, ${store.count("pods")} pods, ${sampleSeconds} s): RSS avg ${mb(avgRss).toFixed(0)} MB, peak ${mb(peakRss).toFixed(0)} MB (goal ≤ 500 MB: ${(mb(peakRss) / 500).toFixed(2)}×); CPU ${(cpuShare * 100).toFixed(1)} % of a core (goal ≤ 25 %: ${(cpuShare / 0.25).toFixed(2)}×)`);

console.log(`load average at end: ${load()}`);

await hollow.stop();
await loops.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
