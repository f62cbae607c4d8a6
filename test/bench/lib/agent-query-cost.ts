// The CPU each kind of runtime query costs (user+system of the podman process, which
// wall time under load would hide), measured with the agent's podman config while the
// benchmark's pods run, and what a resync period then costs per polling design.
import { podmanPaths } from "../../../src/agent/runtime/podman-config.ts";
import { LABEL_NODE } from "../../../src/agent/runtime/labels.ts";
import { percentile } from "./agent-proc-stats.ts";

export type QueryCost = { query: string; cpuMs: number; wallMs: number; outputBytes: number };

async function timed(argv: string[], env: Record<string, string | undefined>): Promise<{ cpuMs: number; wallMs: number; out: string }> {
  const t0 = performance.now();
  const p = Bun.spawn(argv, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${err.trim()}`);
  const ru = p.resourceUsage();
  const cpuMs = ru ? (Number(ru.cpuTime.user) + Number(ru.cpuTime.system)) / 1000 : NaN;
  return { cpuMs, wallMs: performance.now() - t0, out };
}

/** Median CPU and wall time of each query over `repeat` runs. */
export async function measureQueryCosts(opts: { dataDir: string; netnsPrefix: string[]; nodeName: string; repeat?: number }): Promise<QueryCost[]> {
  const paths = podmanPaths(opts.dataDir);
  const env = { ...process.env, CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf };
  const podman = Bun.which("podman");
  if (!podman) throw new Error("podman not found: apt-get install -y podman runc");
  const base = [...opts.netnsPrefix, podman];
  const node = ["--filter", `label=${LABEL_NODE}=${opts.nodeName}`];
  const ids = (await timed([...base, "ps", "--all", "--quiet", "--no-trunc", ...node], env)).out.split("\n").filter(Boolean);
  const queries: [string, string[]][] = [
    ["ps --all --quiet (node label)", ["ps", "--all", "--quiet", "--no-trunc", ...node]],
    [`container inspect (${ids.length} ids)`, ["container", "inspect", ...ids]],
    ["container inspect (1 id)", ["container", "inspect", ids[0] ?? "none"]],
    ["pod ps --format json (node label)", ["pod", "ps", "--format", "json", ...node]],
    ["ps --all --format json (node label)", ["ps", "--all", "--format", "json", ...node]],
    ["version (process start only)", ["version", "--format", "{{.Client.Version}}"]],
  ];
  const out: QueryCost[] = [];
  for (const [query, args] of queries) {
    if (args.includes("none")) continue;
    const runs = [];
    for (let i = 0; i < (opts.repeat ?? 5); i++) runs.push(await timed([...base, ...args], env));
    out.push({ query, cpuMs: percentile(runs.map((r) => r.cpuMs), 50), wallMs: percentile(runs.map((r) => r.wallMs), 50), outputBytes: runs[0]!.out.length });
  }
  return out;
}

/**
 * Percent of a core that each polling design costs for `pods` running pods, from the
 * measured per-query CPU. The designs are the current one and the fixes proposed for it.
 */
export function pollingDesigns(costs: QueryCost[], pods: number, intervalS: number, eventsPercent: number): { design: string; callsPerSync: number; percent: number }[] {
  const cost = (prefix: string) => costs.find((c) => c.query.startsWith(prefix))?.cpuMs ?? NaN;
  const ps = cost("ps --all --quiet");
  const inspectAll = cost("container inspect (");
  const inspectOne = cost("container inspect (1");
  const podPs = cost("pod ps");
  const psJson = cost("ps --all --format json");
  const pct = (ms: number, seconds: number) => (ms / 1000 / seconds) * 100;
  return [
    // Snapshot (ps + inspect all, pod ps + inspect infras) plus, per pod, the worker's
    // own re-list (ps --filter pod uid + inspect) on every resync.
    { design: `now: snapshot + per-pod re-list every ${intervalS} s`, callsPerSync: 4 + 2 * pods, percent: pct(ps + inspectAll + podPs + inspectAll + pods * (ps + inspectOne), intervalS) },
    // Inspecting the infra containers costs about what inspecting the pods' containers does.
    { design: `snapshot only (worker reports from it when it changed nothing), every ${intervalS} s`, callsPerSync: 4, percent: pct(ps + inspectAll + podPs + inspectAll, intervalS) },
    { design: `one ps --format json + pod ps, every ${intervalS} s`, callsPerSync: 2, percent: pct(psJson + podPs, intervalS) },
    { design: "podman events stream + one ps --format json + pod ps every 30 s", callsPerSync: 2, percent: pct(psJson + podPs, 30) + eventsPercent },
  ];
}

/** Percent of a core an idle `podman events` stream costs, watched for `seconds`. */
export async function measureEventsStream(opts: { dataDir: string; netnsPrefix: string[]; nodeName: string; seconds: number }): Promise<number> {
  const paths = podmanPaths(opts.dataDir);
  const env = { ...process.env, CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf };
  const p = Bun.spawn([...opts.netnsPrefix, Bun.which("podman")!, "events", "--format", "json", "--filter", `label=${LABEL_NODE}=${opts.nodeName}`], { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const t0 = performance.now();
  await Bun.sleep(opts.seconds * 1000);
  p.kill("SIGTERM");
  await p.exited;
  const ru = p.resourceUsage();
  if (!ru) return NaN;
  return ((Number(ru.cpuTime.user) + Number(ru.cpuTime.system)) / 1000 / (performance.now() - t0)) * 100;
}
