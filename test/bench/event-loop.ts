// Event-loop lag of a real `skiff server` with its embedded agent (one process, one event
// loop), idle and then under a representative load: pods with every probe combination, a
// Deployment with liveness and readiness probes rolled back and forth, and kubectl traffic
// (lists, applies, describes) all at once. The lag comes from the server's own
// skiff_event_loop_lag_seconds histogram, scraped from inside the run's network namespace
// together with /readyz latency. The sampler measures its own lag the same way: a nearly idle
// process beside it, showing what the shared machine alone costs. Goal: p99 ≤ 100 ms under load.
// Run: node_modules/.bin/bun test/bench/event-loop.ts [--source] [--rollouts N]
import { parseArgs } from "node:util";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1, TEST_IMAGE_2 } from "../support/images.ts";
import { lagQuantileBetween, startHealthSampler, type HealthSample } from "../support/health-sampler.ts";
import { httpdContainer, httpProbes, probeCombinationPods } from "../support/probe-pods.ts";
import { quantile } from "./lib/stats.ts";
import { renderTable, type Figure } from "./lib/report-table.ts";

const { values } = parseArgs({ options: { source: { type: "boolean", default: false }, rollouts: { type: "string", default: "10" } } });
const NS = "bench";
const ROLLOUTS = Number(values.rollouts);
/** kubectl commands at most while the rollouts run. */
const KUBECTL_BUDGET = 400;

type Summary = { p50: number; p99: number; max: number; controlP99: number; controlMax: number; readyzP50: number; readyzP99: number; readyzMax: number; pendingWakesMax: number; samples: number };

function summarize(samples: HealthSample[]): Summary {
  const lags = samples.flatMap((s) => (s.lag ? [s.lag] : []));
  if (lags.length < 2) throw new Error(`too few answered samples (${lags.length} of ${samples.length}): the server stopped answering`);
  const [a, b] = [lags[0]!, lags.at(-1)!];
  const readyz = samples.map((s) => s.readyzMs ?? Infinity);
  const control = samples.flatMap((s) => (s.controlLag ? [s.controlLag] : []));
  return {
    controlP99: lagQuantileBetween(control[0]!, control.at(-1)!, 0.99) * 1000,
    controlMax: Math.max(...control.map((l) => l.max)) * 1000,
    p50: lagQuantileBetween(a, b, 0.5) * 1000,
    p99: lagQuantileBetween(a, b, 0.99) * 1000,
    max: Math.max(...lags.map((l) => l.max)) * 1000,
    readyzP50: quantile(readyz, 0.5),
    readyzP99: quantile(readyz, 0.99),
    readyzMax: Math.max(...readyz),
    pendingWakesMax: Math.max(...samples.map((s) => s.pendingWakes ?? Infinity)),
    samples: samples.length,
  };
}

const readyCount = async (c: TestCluster, selector: string) =>
  (JSON.parse(await c.k(["get", "pods", "-n", NS, "-l", selector, "-o", "json"])).items as { metadata: { deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string }[] } }[]).filter(
    (p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
  ).length;

function deployment(image: string) {
  const labels = { app: "roll" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "roll", namespace: NS },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [httpdContainer(httpProbes(["liveness", "readiness"], 2), image)] } },
    },
  };
}

/** Lists, applies and describes until `until` resolves or the budget is spent. */
async function kubectlTraffic(c: TestCluster, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let n = 0;
  for (; n < KUBECTL_BUDGET && !done; n++) {
    const step = n % 4;
    if (step === 0) await c.k(["get", "pods", "-A", "-o", "json"]);
    else if (step === 1) await c.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${n % 20}`, namespace: NS }, data: { n: String(n) } }));
    else if (step === 2) await c.k(["get", "deployments,replicasets,services,configmaps", "-n", NS]);
    else await c.k(["describe", "deployment", "roll", "-n", NS]);
  }
  return n;
}

const c = await startCluster("elbench", { prefer: values.source ? "source" : "binary", serverArgs: ["--metrics-anonymous"] });
const sampleOpts = { server: `https://127.0.0.1:${c.port}`, agent: "https://127.0.0.1:10250", everyMs: 1000 };
try {
  console.log("idle: 20 s");
  const idle = summarize(await startHealthSampler(c.netns.prefix, { ...sampleOpts, samples: 20 }).finished());

  const sampler = startHealthSampler(c.netns.prefix, { ...sampleOpts, samples: 3600 });
  const loadStart = Date.now();
  await c.k(["create", "namespace", NS]);
  const pods = probeCombinationPods(NS, 2);
  await c.k(["apply", "-f", "-"], [...pods, deployment(TEST_IMAGE_1)].map((o) => JSON.stringify(o)).join("\n"));
  const rollouts = (async () => {
    await eventually("probe pods and the Deployment Ready", async () => ((await readyCount(c, "test=probes")) === pods.length && (await readyCount(c, "app=roll")) === 3 ? true : undefined), 180_000, 1000);
    for (let i = 0; i < ROLLOUTS; i++) {
      await c.k(["set", "image", "-n", NS, "deployment/roll", `web=${i % 2 === 0 ? TEST_IMAGE_2 : TEST_IMAGE_1}`]);
      await c.k(["rollout", "status", "-n", NS, "deployment/roll", "--timeout=180s"]);
      console.log(`rollout ${i + 1} of ${ROLLOUTS} done after ${((Date.now() - loadStart) / 1000).toFixed(0)} s`);
    }
  })();
  const commands = await kubectlTraffic(c, rollouts);
  await rollouts;
  console.log(`${commands} kubectl commands; 20 s more of probes alone`);
  await Bun.sleep(20_000);
  const load = summarize(await sampler.stop());
  const seconds = (Date.now() - loadStart) / 1000;

  const note = (s: Summary) => `p50 ${s.p50} ms, max ${s.max.toFixed(1)} ms; control process p99 ${s.controlP99} ms, max ${s.controlMax.toFixed(1)} ms; /readyz p50 ${s.readyzP50.toFixed(1)} / p99 ${s.readyzP99.toFixed(1)} / max ${s.readyzMax.toFixed(1)} ms; pending wakes ≤ ${s.pendingWakesMax}; ${s.samples} samples`;
  const figures: Figure[] = [
    { name: "event-loop lag p99, idle server + agent", value: idle.p99, unit: "ms", goal: 100, note: note(idle) },
    { name: `event-loop lag p99 under load (${pods.length + 3} probed pods, ${ROLLOUTS} rollouts, ${commands} kubectl, ${seconds.toFixed(0)} s)`, value: load.p99, unit: "ms", goal: 100, note: `${note(load)}; ${(load.p99 / Math.max(idle.p99, 1)).toFixed(1)}× idle p99` },
    { name: "event-loop lag max under load", value: load.max, unit: "ms", goal: 1000 },
  ];
  console.log(`\n${values.source ? "bun src/main.ts" : "compiled binary"}; p99/p50 are bucket upper bounds of skiff_event_loop_lag_seconds\n${renderTable(figures)}`);
} finally {
  await c.stop();
}
