// Cost of observability (run: bun test/bench/observability.ts [nodes] [pods] [sampleSeconds]).
// With hollow nodes and pods in place: /metrics size and render time, and the server's CPU
// (a) without the metrics module, (b) with it (1 s availability tick) and (c) with a real
// Prometheus scraping it every second; then a real agent with 10 podman pods, its CPU
// without and with a 1 s scrape of its /metrics. Goals: render ≤ 100 ms, scraping adds
// ≤ 1 % of a core to the server and to the agent. --agent-only and --server-only run one part.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { allKinds } from "../../src/api/kinds/index.ts";
import { Registry } from "../../src/api/registry/registry.ts";
import { Store } from "../../src/store/store.ts";
import { startHollowNodes } from "../../src/hollow/hollow-nodes.ts";
import { createServerMetrics } from "../../src/server/metrics/server-metrics.ts";
import { registrySource } from "../../src/server/metrics/object-source.ts";
import { AgentMetrics } from "../../src/agent/metrics.ts";
import { startPrometheus } from "../support/prometheus.ts";

import { measureAgentScrapeCost } from "./lib/observability-agent.ts";

const agentOnly = process.argv.includes("--agent-only");
const serverOnly = process.argv.includes("--server-only");
const [nodeCount = 1000, podCount = 10_000, sampleSeconds = 20] = process.argv.slice(2).filter((a) => !a.startsWith("--")).map(Number);
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} %`;

/** The real agent's figures (percent of a core), printed beside the server's at the end. */
async function agentFigures(): Promise<string[]> {
  const a = await measureAgentScrapeCost({ pods: 10, seconds: sampleSeconds, rounds: 3, log: (l) => console.log(l) });
  const added = mean(a.scraped) - mean(a.idle);
  return [
    `agent CPU with ${a.pods} pods over ${a.idle.length} × ${sampleSeconds} s windows each: idle ${range(a.idle)} (mean ${mean(a.idle).toFixed(2)} %), with a 1 s scrape ${range(a.scraped)} (mean ${mean(a.scraped).toFixed(2)} %); /metrics ${(a.bytes / 1024).toFixed(1)} KiB, ${a.scrapes} scrapes`,
    `added by scraping the agent: ${added.toFixed(2)} % (goal ≤ 1 % of a core) ${added <= 1 ? "OK" : "OVER"}`,
  ];
}
if (agentOnly) {
  for (const line of await agentFigures()) console.log(line);
  process.exit(0);
}

const deployments = Math.max(1, Math.floor(podCount / 100));
const dir = mkdtempSync(join(tmpdir(), "skiff-bench-obs-"));
const store = await Store.open({ url: `file:${join(dir, "state.db")}` });
const registry = new Registry(store, allKinds);
const kind = (plural: string) => allKinds.find((k) => k.plural === plural)!;
for (const name of ["default", "kube-system", "kube-node-lease", "bench"]) await registry.create(kind("namespaces"), "", { metadata: { name } });

let t = performance.now();
const hollow = await startHollowNodes(registry, { count: nodeCount });
console.log(`${nodeCount} hollow nodes in ${((performance.now() - t) / 1000).toFixed(1)} s`);

// Deployments with a ReplicaSet, pods spread over the nodes, a Service with endpoints each:
// written directly, as the controllers and agents would leave them.
t = performance.now();
const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
for (let d = 0; d < deployments; d++) {
  const name = `app-${d}`;
  const labels = { app: name };
  const perDeployment = Math.ceil(podCount / deployments);
  const template = { metadata: { labels }, spec: { containers: [{ name: "c", image: "localhost/bench:1" }] } };
  const dep = await registry.create(kind("deployments"), "bench", { metadata: { name }, spec: { replicas: perDeployment, selector: { matchLabels: labels }, template } });
  await registry.update(kind("deployments"), "bench", name, { ...dep, status: { replicas: perDeployment, availableReplicas: perDeployment, readyReplicas: perDeployment } }, {}, "status");
  const rs = await registry.create(kind("replicasets"), "bench", { metadata: { name: `${name}-1`, labels, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name, uid: dep.metadata.uid, controller: true }] }, spec: { replicas: perDeployment, selector: { matchLabels: labels }, template } });
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < perDeployment && d * perDeployment + i < podCount; i++) {
    const n = d * perDeployment + i;
    writes.push(
      registry.create(kind("pods"), "bench", {
        metadata: { name: `${name}-${i}`, labels, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: rs.metadata.name, uid: rs.metadata.uid, controller: true }] },
        spec: { ...template.spec, nodeName: hollow.names[n % hollow.names.length] },
      }).then((p) =>
        // replace() retries on conflict: the hollow node reports the same pod at the same time.
        registry.replace(kind("pods"), "bench", p.metadata.name!, (cur) => ({ ...cur!, status: { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: stamp }], containerStatuses: [{ name: "c", ready: true, restartCount: n % 3, image: "localhost/bench:1", imageID: "", state: { running: { startedAt: stamp } } }] } }), {}, "status"),
      ),
    );
  }
  await Promise.all(writes);
  await registry.create(kind("services"), "bench", { metadata: { name }, spec: { selector: labels, ports: [{ port: 80 }] } });
  await registry.create(kind("endpoints"), "bench", { metadata: { name }, subsets: [{ addresses: [{ ip: `10.43.${d >> 8}.${d & 255}` }], ports: [{ port: 80 }] }] });
}
console.log(`${podCount} pods, ${deployments} Deployments and Services in ${((performance.now() - t) / 1000).toFixed(1)} s`);

/** CPU of this process, as a fraction of one core, over `seconds`. */
async function cpuOver(seconds: number): Promise<number> {
  const before = process.cpuUsage();
  const start = performance.now();
  await Bun.sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (performance.now() - start);
}

// Let the writes settle before measuring.
await Bun.sleep(2000);
const baseline = await cpuOver(sampleSeconds);

const metrics = createServerMetrics({ source: registrySource(registry), store, subscribe: (l) => registry.subscribe(l) });
metrics.start();
const renders: number[] = [];
let size = 0;
const renderCpu = process.cpuUsage();
for (let i = 0; i < 20; i++) {
  const s = performance.now();
  size = (await metrics.registry.metrics()).length;
  renders.push(performance.now() - s);
  // Apart, as Prometheus would ask, so each render recomputes the cluster summary.
  await Bun.sleep(600);
}
const cpuPerRender = ((u) => (u.user + u.system) / 1000 / 20)(process.cpuUsage(renderCpu));
renders.sort((a, b) => a - b);
const median = renders[Math.floor(renders.length / 2)]!;
const series = (await metrics.registry.metrics()).split("\n").filter((l) => l && !l.startsWith("#")).length;
const summary: string[] = [];
const say = (line: string) => (console.log(line), summary.push(line));
say(`/metrics: ${(size / 1024).toFixed(0)} KiB, ${series} series; render median ${median.toFixed(1)} ms, max ${renders.at(-1)!.toFixed(1)} ms wall (goal ≤ 100 ms) ${median <= 100 ? "OK" : "OVER"}; process CPU per render incl. background work ≤ ${cpuPerRender.toFixed(1)} ms`);
console.log(`availability: ${metrics.availability.tracked} objects tracked`);
const slowest: [number, string][] = [];
for (const m of metrics.registry.getMetricsAsArray()) {
  const s = performance.now();
  // Text families write their own lines; the rest go through prom-client's formatting.
  const own = m as unknown as { text?: () => string; name: string };
  if (own.text) own.text();
  else await metrics.registry.getSingleMetricAsString(own.name);
  slowest.push([performance.now() - s, (m as unknown as { name: string }).name]);
}
slowest.sort((a, b) => b[0] - a[0]);
console.log(`slowest families: ${slowest.slice(0, 5).map(([ms, name]) => `${name} ${ms.toFixed(1)} ms`).join(", ")}`);

const withMetrics = await cpuOver(sampleSeconds);

const app = new Hono();
metrics.routes(app);
const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
let scraped: number;
let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
try {
  prom = await startPrometheus([{ job: "skiff", address: `127.0.0.1:${http.port}`, scheme: "http" }], 1);
  await prom.waitFor('up{job="skiff"} == 1', (r) => r.length === 1);
  scraped = await cpuOver(sampleSeconds);
} catch (e) {
  // Without Prometheus, scrape it ourselves once a second over loopback HTTP.
  console.log(`(no Prometheus: ${(e as Error).message.split("\n")[0]}; scraping in-process)`);
  const timer = setInterval(() => void fetch(`http://127.0.0.1:${http.port}/metrics`).then((r) => r.arrayBuffer()), 1000);
  scraped = await cpuOver(sampleSeconds);
  clearInterval(timer);
}
await prom?.stop();

say(`server CPU over ${sampleSeconds} s: baseline ${pct(baseline)}, with metrics and the 1 s availability tick ${pct(withMetrics)}, plus a 1 s scrape ${pct(scraped)}`);
say(`added by the tick: ${pct(withMetrics - baseline)}; added by scraping: ${pct(scraped - withMetrics)} (goal ≤ 1 % of a core) ${scraped - withMetrics <= 0.01 ? "OK" : "OVER"}`);

// The agent's side: its registry renders once per scrape; at 1 Hz that render time is its added CPU.
const agent = new AgentMetrics();
agent.observeRuntime([], 110);
const agentRenders: number[] = [];
for (let i = 0; i < 50; i++) {
  const s = performance.now();
  await agent.registry.metrics();
  agentRenders.push(performance.now() - s);
}
agentRenders.sort((a, b) => a - b);
const agentMedian = agentRenders[25]!;
console.log(`agent /metrics render median ${agentMedian.toFixed(2)} ms → about ${pct(agentMedian / 1000)} of a core at a 1 s scrape`);

metrics.stop();
http.stop(true);
await hollow.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });

// The server part is stopped first, so it does not load the agent's measurement.
const agentLines = serverOnly ? ["(not measured: --server-only)"] : await agentFigures();
console.log(`\nserver (${nodeCount} hollow nodes, ${podCount} pods):\n  ${summary.join("\n  ")}\nagent (real, podman):\n  ${agentLines.join("\n  ")}`);
process.exit(0);
