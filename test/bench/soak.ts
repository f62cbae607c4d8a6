// Soak: a real `skiff server` (compiled binary, with its embedded agent) driven for N minutes
// by real helm and kubectl in a bounded loop: the `helm create` chart (liveness and readiness
// probes) upgraded with a new pod annotation each round (a rolling update), rolled back every
// fifth, plus lists, logs and ConfigMap writes. The server's RSS is read every 5 s; the
// report gives min/max/last and whether it keeps growing after the first minutes, beside
// the event-loop lag and /readyz latency over the run.
// Run: node_modules/.bin/bun test/bench/soak.ts --minutes 10 [--source] [--event-ttl 5m]
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCluster } from "../support/cluster.ts";
import { HTTPD_IMAGE, httpdImageArchive } from "../support/images.ts";
import { layerBinary } from "../support/kubectl.ts";
import { skiffCommand } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { lagQuantileBetween, startHealthSampler } from "../support/health-sampler.ts";
import { quantile } from "./lib/stats.ts";

// --event-ttl D: a shorter Event lifetime than the server's 1 h, to tell the memory Events hold
// from anything else that could grow.
const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, source: { type: "boolean", default: false }, "event-ttl": { type: "string" } } });
const minutes = Number(values.minutes);
const NS = "soak";
const chart = join(import.meta.dir, "../fixtures/helm/scaffold/scaffold");
/** At most this many rounds a minute, whatever the machine's speed. */
const ROUNDS_PER_MINUTE = 12;

const c = await startCluster("soak", { prefer: values.source ? "source" : "binary", serverArgs: ["--metrics-anonymous", ...(values["event-ttl"] ? ["--event-ttl", values["event-ttl"]] : [])] });
const pid = c.server.proc.pid;
const helmHome = tempDir("skiff-soak-helm-");
mkdirSync(join(helmHome, "cache"), { recursive: true });

async function run(cmd: string[], env: Record<string, string> = {}): Promise<string> {
  const p = Bun.spawn([...c.netns.prefix, ...cmd], { stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const timer = setTimeout(() => p.kill(), 180_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} exited ${code}: ${err.trim().slice(0, 500)}`);
  return out;
}
const helmEnv = { KUBECONFIG: c.kubeconfig, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, "cache"), HELM_CONFIG_HOME: join(helmHome, "config"), HELM_DATA_HOME: join(helmHome, "data") };
const helm = (...args: string[]) => run([layerBinary("helm/helm"), ...args, "--namespace", NS], helmEnv);

const rssMb = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const rss: { at: number; mb: number }[] = [];
const started = Date.now();
const rssTimer = setInterval(() => rss.push({ at: (Date.now() - started) / 1000, mb: rssMb() }), 5000);
const sampler = startHealthSampler(c.netns.prefix, { server: `https://127.0.0.1:${c.port}`, agent: "https://127.0.0.1:10250", everyMs: 5000, samples: Math.ceil((minutes * 60) / 5) + 60 });

// Ctrl-C or SIGTERM ends the loop early; the cluster is still stopped and the report printed.
let stopRequested = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (stopRequested = true));

let rounds = 0;
let errors = 0;
try {
  await run([...skiffCommand(values.source ? "source" : "binary"), "images", "import", "--data-dir", c.serverDir, await httpdImageArchive()]);
  await c.k(["create", "namespace", NS]);
  const deadline = started + minutes * 60_000;
  const maxRounds = minutes * ROUNDS_PER_MINUTE;
  const setValues = (round: number) => `image.repository=${HTTPD_IMAGE.split(":")[0]},image.tag=1,image.pullPolicy=Never,replicaCount=2,podAnnotations.round=r${round}`;
  while (Date.now() < deadline && rounds < maxRounds && !stopRequested) {
    const roundStart = Date.now();
    rounds++;
    try {
      if (rounds % 5 === 0) await helm("rollback", "soak");
      else await helm("upgrade", "--install", "soak", chart, "--set", setValues(rounds));
      await c.k(["rollout", "status", "-n", NS, "deployment/soak-scaffold", "--timeout=120s"]);
      await c.k(["get", "all", "-A", "-o", "wide"]);
      // kubectl logs deployment/… may pick a pod whose container is not made yet: read a Ready one.
      const pods = JSON.parse(await c.k(["get", "pods", "-n", NS, "-l", "app.kubernetes.io/instance=soak", "-o", "json"])).items as { metadata: { name: string; deletionTimestamp?: string }; status?: { conditions?: { type: string; status: string }[] } }[];
      const ready = pods.find((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"));
      if (ready) await c.k(["logs", "-n", NS, ready.metadata.name, "--tail=5"]);
      await c.k(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `round-${rounds % 10}`, namespace: NS }, data: { round: String(rounds) } }));
      await helm("history", "soak", "--max", "5");
    } catch (e) {
      errors++;
      console.log(`round ${rounds}: ${(e as Error).message}`);
    }
    if (rounds % 10 === 0) console.log(`${((Date.now() - started) / 60_000).toFixed(1)} min: ${rounds} rounds, RSS ${rssMb().toFixed(1)} MB`);
    // Bounded pace: a round takes at least 60/ROUNDS_PER_MINUTE seconds.
    await Bun.sleep(Math.max(0, 60_000 / ROUNDS_PER_MINUTE - (Date.now() - roundStart)));
  }
} finally {
  clearInterval(rssTimer);
  // What the run leaves stored: Helm keeps --history-max (10) releases; Events live an hour (--event-ttl).
  const kept = await Promise.all(
    [["secrets", "-l", "owner=helm"], ["events"], ["replicasets"]].map(async ([kind, ...selector]) => {
      const out = await c.k(["get", kind!, "-n", NS, ...selector, "-o", "name"]).catch(() => "");
      return `${out.split("\n").filter(Boolean).length} ${kind}${selector.length ? ` (${selector[1]})` : ""}`;
    }),
  );
  const ranMinutes = (Date.now() - started) / 60_000;
  const health = await sampler.stop();
  await c.stop();
  rmSync(helmHome, { recursive: true, force: true });

  const mbs = rss.map((r) => r.mb);
  const quarter = Math.max(1, Math.floor(rss.length / 4));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  // The first quarter holds start-up and the first rollouts; growth is judged after it.
  const second = mean(mbs.slice(quarter, 2 * quarter));
  const last = mean(mbs.slice(-quarter));
  const spanMin = (rss.at(-1)!.at - rss[quarter]!.at) / 60;
  const growth = last - second;
  const lags = health.flatMap((s) => (s.lag ? [s.lag] : []));
  const readyz = health.map((s) => s.readyzMs ?? Infinity);
  console.log(`\nsoak: ${ranMinutes.toFixed(1)} min, ${rounds} rounds (${errors} with errors), ${values.source ? "bun src/main.ts" : "compiled binary"}`);
  console.log(`server RSS (${rss.length} readings every 5 s): min ${Math.min(...mbs).toFixed(1)} MB, max ${Math.max(...mbs).toFixed(1)} MB, last ${mbs.at(-1)!.toFixed(1)} MB`);
  console.log(`  mean of the second quarter ${second.toFixed(1)} MB, of the last quarter ${last.toFixed(1)} MB: ${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MB over ${spanMin.toFixed(1)} min → ${Math.abs(growth) < 0.05 * second ? "flat (within 5 %)" : growth > 0 ? "GROWING" : "shrinking"}`);
  console.log(`  by minute: ${rss.filter((_, i) => i % 12 === 0).map((r) => r.mb.toFixed(0)).join(" ")}`);
  console.log(`stored in ${NS} at the end: ${kept.join(", ")}`);
  // When the server stalled, beside this machine's own stalls (the sampler's lag as a control).
  const stalls = health.filter((h) => (h.lag?.max ?? 0) > 0.25).map((h) => `${((h.at - started) / 60_000).toFixed(1)} min ${(h.lag!.max * 1000).toFixed(0)} ms (control ${((h.controlLag?.max ?? NaN) * 1000).toFixed(0)} ms)`);
  if (stalls.length) console.log(`server stalls over 250 ms: ${stalls.join(", ")}`);
  if (lags.length > 1) console.log(`event-loop lag over the soak: p99 ≤ ${lagQuantileBetween(lags[0]!, lags.at(-1)!, 0.99) * 1000} ms, max ${(Math.max(...lags.map((l) => l.max)) * 1000).toFixed(1)} ms; /readyz p50 ${quantile(readyz, 0.5).toFixed(1)} ms, max ${Math.max(...readyz).toFixed(1)} ms`);
}
