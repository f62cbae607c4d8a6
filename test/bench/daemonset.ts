// DaemonSet benchmark with hollow nodes (run: bun test/bench/daemonset.ts [nodes]).
// A DaemonSet over N nodes until every pod is scheduled and available, then a rolling update
// (maxUnavailable 10%) until every node runs the new template; the baseline, in the same
// process, is N plain pods (no affinity) scheduled onto the same nodes.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { allKinds } from "../../src/api/kinds/index.ts";
import { Registry } from "../../src/api/registry/registry.ts";
import { Store } from "../../src/store/store.ts";
import { startControlPlaneLoops } from "../../src/controllers/index.ts";
import { startHollowNodes } from "../../src/hollow/hollow-nodes.ts";
import { measure } from "./lib/hollow-bench.ts";

const [nodeCount = 1000] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), "skiff-bench-ds-"));
const store = await Store.open({ url: `file:${join(dir, "state.db")}` });
const registry = new Registry(store, allKinds);
const kind = (plural: string) => allKinds.find((k) => k.plural === plural)!;
for (const name of ["default", "kube-system", "kube-node-lease", "bench"]) await registry.create(kind("namespaces"), "", { metadata: { name } });
const loops = startControlPlaneLoops(registry, {});
const hollow = await startHollowNodes(registry, { count: nodeCount });
console.log(`${nodeCount} hollow nodes; load average at start: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);

async function waitFor(check: () => boolean, what: string, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await Bun.sleep(20);
  }
}
const boundIn = (ns: string, label: string) => store.list("pods", ns).filter((p) => p.metadata.labels?.app === label && (p.spec as { nodeName?: string }).nodeName).length;

// Baseline: N plain pods, created 64 at a time, until all are bound.
const baseline = await measure(async () => {
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < nodeCount) await registry.create(kind("pods"), "bench", { metadata: { name: `p-${next++}`, labels: { app: "plain" } }, spec: { containers: [{ name: "c", image: "localhost/bench:1" }] } });
  }));
  await waitFor(() => boundIn("bench", "plain") >= nodeCount, "plain pods bound");
});
console.log(`baseline: ${nodeCount} plain pods bound in ${baseline.s.toFixed(2)} s, process CPU ${baseline.cpu.toFixed(2)} s`);

type DSStatus = { desiredNumberScheduled?: number; numberAvailable?: number; updatedNumberScheduled?: number; observedGeneration?: number };
const dsStatus = () => (registry.get(kind("daemonsets"), "default", "agent").status ?? {}) as DSStatus;
const template = (image: string) => ({ metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image, resources: { requests: { cpu: "10m", memory: "16Mi" } } }] } });

let boundAt = 0;
const created = await measure(async () => {
  const t = performance.now();
  await registry.create(kind("daemonsets"), "default", { metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "agent" } }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "10%" } }, template: template("localhost/agent:1") } });
  await waitFor(() => boundIn("default", "agent") >= nodeCount, "daemon pods bound");
  boundAt = (performance.now() - t) / 1000;
  await waitFor(() => dsStatus().numberAvailable === nodeCount, "daemon pods available");
});
console.log(`DaemonSet: ${nodeCount} pods scheduled after ${boundAt.toFixed(2)} s, all available after ${created.s.toFixed(2)} s, process CPU ${created.cpu.toFixed(2)} s`);
console.log(`  ratio to baseline: time ${(boundAt / baseline.s).toFixed(2)}×, CPU ${(created.cpu / baseline.cpu).toFixed(2)}×`);

const updated = await measure(async () => {
  await registry.replace(kind("daemonsets"), "default", "agent", (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), template: template("localhost/agent:2") } }));
  await waitFor(() => {
    const s = dsStatus();
    return s.observedGeneration === 2 && s.updatedNumberScheduled === nodeCount && s.numberAvailable === nodeCount;
  }, "rolling update done");
});
console.log(`rolling update (maxUnavailable 10%): all ${nodeCount} nodes on the new template after ${updated.s.toFixed(2)} s, process CPU ${updated.cpu.toFixed(2)} s`);

await hollow.stop();
await loops.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
