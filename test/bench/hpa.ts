// HorizontalPodAutoscaler benchmark (run: bun test/bench/hpa.ts [hpas] [sampleSeconds] [--reaction [rounds]]).
// 1. Controller CPU with N HPAs over hollow nodes: the process's CPU over sampleSeconds with
//    N Deployments (2 pods each) and no HPA, then the same with N HPAs (15 s sync period, pod
//    usage from a stand-in metrics source refreshed every 15 s as the server's pull is); the
//    difference is the controller's share of a core.
// 2. With --reaction (real podman, root, a network namespace): load started in a pod of a
//    Deployment under an HPA at 50 % with the default periods (15 s sync, 15 s metric
//    resolution), time until the HPA writes the new scale.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { allKinds } from "../../src/api/kinds/index.ts";
import { Registry } from "../../src/api/registry/registry.ts";
import { Store } from "../../src/store/store.ts";
import { startControlPlaneLoops } from "../../src/controllers/index.ts";
import { startHollowNodes } from "../../src/hollow/hollow-nodes.ts";
import type { PodUsage } from "../../src/server/metrics/resource-stats.ts";

const args = process.argv.slice(2);
const reactionAt = args.indexOf("--reaction");
const [hpaCount = 1000, sampleSeconds = 45] = args.filter((a, i) => !a.startsWith("--") && (reactionAt < 0 || i !== reactionAt + 1)).map(Number);
const rounds = reactionAt >= 0 ? Number(args[reactionAt + 1] ?? 3) || 3 : 0;
console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);

async function controllerCpu() {
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-hpa-"));
  const store = await Store.open({ url: `file:${join(dir, "state.db")}` });
  const registry = new Registry(store, allKinds);
  const kind = (plural: string) => allKinds.find((k) => k.plural === plural)!;
  for (const name of ["default", "kube-system", "kube-node-lease", "bench"]) await registry.create(kind("namespaces"), "", { metadata: { name } });

  // The stand-in for the pulled metrics: every pod at 50 m of its 100 m request (50 %, the target: no scaling).
  let usage: PodUsage[] = [];
  const refreshUsage = () => {
    const now = Date.now();
    const timestamp = new Date(now).toISOString().replace(/\.\d+Z$/, "Z");
    usage = store.list("pods", "bench").map((p) => ({ namespace: "bench", name: p.metadata.name!, timestamp, at: now - 1000, windowSeconds: 15, containers: [{ name: "c", cpuCores: 0.05, memoryBytes: 20 * 2 ** 20 }] }));
  };
  let hpaReconcileSeconds = 0;
  let hpaReconciles = 0;
  const loops = startControlPlaneLoops(registry, { hpa: { podUsage: () => usage, syncPeriodMs: 15_000 } });
  for (const c of loops.controllers) c.opts.onReconciled = (name, seconds) => {
    if (name !== "horizontal-pod-autoscaler") return;
    hpaReconcileSeconds += seconds;
    hpaReconciles++;
  };
  const hollow = await startHollowNodes(registry, { count: 100 });
  const usageTimer = setInterval(refreshUsage, 15_000);

  for (let i = 0; i < hpaCount; i++) {
    await registry.create(kind("deployments"), "bench", {
      metadata: { name: `d-${i}` },
      spec: { replicas: 2, selector: { matchLabels: { app: `d-${i}` } }, template: { metadata: { labels: { app: `d-${i}` } }, spec: { containers: [{ name: "c", image: "localhost/bench:1", resources: { requests: { cpu: "100m", memory: "32Mi" } } }] } } },
    });
  }
  const running = () => store.list("pods", "bench").filter((p) => (p.status as { phase?: string } | undefined)?.phase === "Running").length;
  while (running() < hpaCount * 2) await Bun.sleep(200);
  refreshUsage();
  console.log(`${hpaCount} Deployments, ${hpaCount * 2} pods Running on 100 hollow nodes`);

  const sample = async () => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Bun.sleep(sampleSeconds * 1000);
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1000 / (performance.now() - t0);
  };
  const without = await sample();
  for (let i = 0; i < hpaCount; i++) {
    await registry.create(kind("horizontalpodautoscalers"), "bench", {
      metadata: { name: `d-${i}` },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: `d-${i}` }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
    });
  }
  // One sync period for the first pass (statuses written), then the steady state.
  await Bun.sleep(16_000);
  hpaReconcileSeconds = 0;
  hpaReconciles = 0;
  const withHpas = await sample();
  const scaled = store.list("apps/deployments", "bench").filter((d) => (d.spec as { replicas: number }).replicas !== 2).length;
  console.log(`process CPU: ${(without * 100).toFixed(2)} % of a core without HPAs, ${(withHpas * 100).toFixed(2)} % with ${hpaCount} (${sampleSeconds} s each)`);
  console.log(`HPA controller: ${((withHpas - without) * 100).toFixed(2)} % of a core (goal ≤ 5 %); ${hpaReconciles} reconciles, ${((hpaReconcileSeconds / Math.max(1, hpaReconciles)) * 1e6).toFixed(0)} µs each on average; ${scaled} Deployments rescaled (expected 0 at target)`);

  clearInterval(usageTimer);
  await hollow.stop();
  await loops.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

async function reactionTime() {
  const { startCluster, eventually } = await import("../support/cluster.ts");
  const { BURNER, scriptDeployment } = await import("../support/hpa-workloads.ts");
  const c = await startCluster("hpa-bench");
  try {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const name = `burn-${i}`;
      const deploy = scriptDeployment(name, BURNER, { requests: { cpu: "100m" }, limits: { cpu: "200m" } });
      await c.k(["apply", "-f", "-"], JSON.stringify(deploy));
      await c.k(["autoscale", `deployment/${name}`, "--cpu-percent=50", "--min=1", "--max=4"]);
      await eventually(`${name}'s HPA reading a figure`, async () => (JSON.parse(await c.k(["get", "hpa", name, "-o", "json"])).status?.currentMetrics?.[0]?.resource?.current ? true : undefined), 120_000, 1000);
      const pod = JSON.parse(await c.k(["get", "pods", "-l", `app=${name}`, "-o", "json"])).items[0].metadata.name;
      // The load starts at any point of the sync and pull cycles, as it would in life.
      await Bun.sleep(Math.random() * 15_000);
      const t0 = Date.now();
      await c.k(["exec", pod, "--", "touch", "/tmp/burn"]);
      await eventually(`${name} scaled`, async () => (JSON.parse(await c.k(["get", "deploy", name, "-o", "json"])).spec.replicas > 1 ? true : undefined), 120_000, 200);
      times.push((Date.now() - t0) / 1000);
      console.log(`round ${i + 1}: load start → scale-up write ${times.at(-1)!.toFixed(1)} s`);
      await c.k(["delete", "deployment", name, "--wait=false"]);
    }
    console.log(`reaction: ${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)} s over ${rounds} rounds (goal ≤ 30 s: one 15 s sync period + a 15 s metric window)`);
  } finally {
    await c.stop();
  }
}

await controllerCpu();
if (rounds) await reactionTime();
process.exit(0);
