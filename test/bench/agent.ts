// Node agent benchmark (a script, not part of the pass/fail suite). In a network namespace
// of its own it runs `skiff server --disable-agent` and a separate `skiff agent` process,
// then measures:
//   1. pod start latency, create → Ready, for N pods of one local image (busybox sleep, no
//      probes), created one at a time and all at once, p50/p99; and side by side the same
//      pods made with bare `podman pod create` + `podman run -d` (the agent's podman config,
//      network and image): goal skiff ≤ 1.3 × bare, and p99 ≤ 5 s (Kubernetes' SLO);
//   2. the agent process's RSS, idle and with N pods (goal ≤ 60 MB), beside the floor the
//      stack alone sets (lib/rss-floor/agent-stack.ts);
//   3. the agent's CPU while N pods run idle (goal ≤ 2 % of a core), with the commands it
//      ran in that window counted by PATH wrappers, to show what the cost is made of.
// Run: node_modules/.bin/bun test/bench/agent.ts [--pods N] [--cpu-seconds S] [--binary | --smol] [--runtime containerd]
//   --runtime containerd  the agent runs containerd (its own, under its data dir); the baseline
//             is bare `ip netns` + `ctr run -d` of the same image in that containerd
//   --binary  run dist/skiff-linux-amd64 (npm run build) instead of the source
//   --smol    run the source under `bun --smol` (smaller heap, more frequent GC)
// Every wait is bounded; everything it made (processes, containers, netns, dirs) is removed.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { createNetns, type TestNetns } from "../support/netns.ts";
import { kubectlOk } from "../support/kubectl.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { TEST_IMAGE_1, testImageArchive } from "../support/images.ts";
import { safeName } from "../../src/agent/runtime/podman-config.ts";
import { barePodman } from "./lib/agent-bare-podman.ts";
import { bareCtr } from "./lib/agent-bare-ctr.ts";
import { measureAgentStackFloor } from "./lib/agent-stack-floor.ts";
import { readProcTable } from "./lib/churn-proc-set.ts";
import { commandLogLength, createCommandLog, groupCommands, readCommandLog, wrappedPath, type CommandEntry } from "./lib/agent-command-log.ts";
import { measureEventsStream, measureQueryCosts, pollingDesigns } from "./lib/agent-query-cost.ts";
import { clockTicksPerSecond, cpuPercent, percentile, readCpu, readMemory, summarize, type LatencySummary, type MemorySample } from "./lib/agent-proc-stats.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { pods: { type: "string" }, "cpu-seconds": { type: "string" }, binary: { type: "boolean" }, smol: { type: "boolean" }, runtime: { type: "string" } },
});
const PODS = Number(flags.pods ?? 20);
const RUNTIME = flags.runtime ?? "podman";
if (RUNTIME !== "podman" && RUNTIME !== "containerd") throw new Error(`--runtime must be podman or containerd`);
const CPU_SECONDS = Number(flags["cpu-seconds"] ?? 60);
const IDLE_CPU_SECONDS = 30;
const SETTLE_MS = 15_000;
const NODE = "bench-node";
const SYNC_INTERVAL_S = 5; // the agent's pass over all pods (syncIntervalMs in src/cli/agent.ts)
const GOALS = { ratio: 1.3, p99Ms: 5000, rssMiB: 60, cpuPercent: 2 };

const root = join(import.meta.dir, "../..");
const bun = join(root, "node_modules/.bin/bun");
const timerScript = join(import.meta.dir, "lib/agent-pod-timer.ts");
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

let netns: TestNetns | undefined;
let server: SkiffProcess | undefined;
let agent: SkiffProcess | undefined;
let bareRuntime: { close(): Promise<void> } | undefined;
const dirs: string[] = [];

/** Runs the pod timer inside the namespace (the API server listens on its loopback). */
async function podTimer<T>(kubeconfig: string, args: string[]): Promise<T> {
  const p = Bun.spawn([...netns!.prefix, bun, timerScript, kubeconfig, ...args], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill("SIGKILL"), 360_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`pod timer ${args.join(" ")} exited ${code}: ${err.trim()}`);
  return JSON.parse(out.trim().split("\n").pop()!) as T;
}

type Steps = { name: string; createEpochMs: number; created: number; scheduled: number; running: number; ready: number };
type StartResult = { latenciesMs: number[]; steps: Steps[]; totalMs: number };
const startPods = (kubeconfig: string, mode: "sequential" | "parallel", n: number, prefix: string) =>
  podTimer<StartResult>(kubeconfig, ["start", mode, String(n), prefix, TEST_IMAGE_1]);
const deleteAllPods = (kubeconfig: string) => podTimer<{ deleted: number; totalMs: number }>(kubeconfig, ["delete-all"]);

async function waitFor(what: string, fn: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(500);
  }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (m: MemorySample) => `${m.rssMiB.toFixed(1)} MiB (anon ${m.anonMiB.toFixed(1)}, file ${m.fileMiB.toFixed(1)}, peak ${m.hwmMiB.toFixed(1)})`;
const verdict = (ok: boolean) => (ok ? "goal met" : "GOAL MISSED");

/**
 * CPU ticks of the processes below `pid` that are alive now (their own and what they
 * reaped): a long-lived child such as `podman events` is never reaped during a window,
 * so the agent's cutime misses it.
 */
function liveDescendantTicks(pid: number): number {
  const procs = readProcTable();
  const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
  let sum = 0;
  for (const p of procs) {
    for (let q = parent.get(p.pid); q !== undefined && q > 1; q = parent.get(q)) {
      if (q === pid) {
        sum += p.ownTicks + p.reapedTicks;
        break;
      }
    }
  }
  return sum;
}

/** CPU of the agent over a window, and the commands it ran meanwhile. */
async function cpuWindow(pid: number, seconds: number, commands: ReturnType<typeof createCommandLog>) {
  const hz = clockTicksPerSecond();
  const from = commandLogLength(commands);
  const liveA = liveDescendantTicks(pid);
  const a = readCpu(pid);
  const rssMiB: number[] = [];
  for (let t = 0; t < seconds; t += 10) {
    rssMiB.push(readMemory(pid).rssMiB);
    await Bun.sleep(Math.min(10, seconds - t) * 1000);
  }
  const b = readCpu(pid);
  const liveB = liveDescendantTicks(pid);
  rssMiB.push(readMemory(pid).rssMiB);
  const entries = readCommandLog(commands, from);
  const own = entries.filter((e) => e.ppid === pid);
  const cpu = cpuPercent(a, b, hz);
  // A child that ended in the window leaves the live sum and shows in its reaper's ticks: the difference counts it once.
  const liveChildren = (((liveB - liveA) / hz) * 100) / cpu.seconds;
  return { cpu: { ...cpu, withChildren: cpu.withChildren + liveChildren, liveChildren }, seconds, ownCalls: own, allCalls: entries, rssMiB };
}

function printCalls(title: string, pid: number, w: Awaited<ReturnType<typeof cpuWindow>>) {
  const perSync = (n: number) => (n / (w.seconds / SYNC_INTERVAL_S)).toFixed(1);
  console.log(`  ${title}: agent ${w.cpu.own.toFixed(2)} % of a core by itself, ${w.cpu.withChildren.toFixed(2)} % with the commands it ran (${w.cpu.liveChildren.toFixed(2)} % of it by children still running, e.g. podman events)`);
  console.log(`    RSS every 10 s meanwhile: ${w.rssMiB.map((m) => m.toFixed(0)).join(" ")} MiB`);
  console.log(`    commands run by the agent: ${w.ownCalls.length} in ${w.seconds} s = ${(w.ownCalls.length / w.seconds).toFixed(2)}/s = ${perSync(w.ownCalls.length)} per ${SYNC_INTERVAL_S} s sync`);
  for (const g of groupCommands(w.ownCalls).slice(0, 8)) console.log(`      ${String(g.count).padStart(5)}  ${g.command.padEnd(26)} ${perSync(g.count)} per sync, avg ${(g.totalMs / g.count).toFixed(0)} ms`);
  const nested = w.allCalls.length - w.ownCalls.length;
  if (nested) console.log(`    and ${nested} more run by those commands (${groupCommands(w.allCalls.filter((e) => e.ppid !== pid)).slice(0, 3).map((g) => `${g.count} ${g.command}`).join(", ")})`);
}

/**
 * Where a pod's start time goes: the median pod's steps as the watch saw them, the
 * agent's commands per pod over the run, and the median pod's own command timeline.
 */
function printBreakdown(title: string, pid: number, run: StartResult, entries: CommandEntry[], timeline: boolean) {
  const med = (f: (s: Steps) => number) => percentile(run.steps.map(f), 50);
  console.log(`  ${title}: median ms after create: accepted ${med((s) => s.created).toFixed(0)}, bound ${med((s) => s.scheduled).toFixed(0)}, Running ${med((s) => s.running).toFixed(0)}, Ready ${med((s) => s.ready).toFixed(0)}`);
  const own = entries.filter((e) => e.ppid === pid);
  const n = run.steps.length;
  console.log(`    agent commands per pod: ${(own.length / n).toFixed(1)}, ${(own.reduce((a, e) => a + e.endMs - e.startMs, 0) / n).toFixed(0)} ms in them`);
  for (const g of groupCommands(own).slice(0, 10)) console.log(`      ${(g.count / n).toFixed(1).padStart(5)} × ${g.command.padEnd(26)} avg ${(g.totalMs / g.count).toFixed(0)} ms`);
  if (!timeline) return;
  const sorted = [...run.steps].sort((a, b) => a.ready - b.ready);
  const m = sorted[Math.floor(sorted.length / 2)]!;
  const from = m.createEpochMs;
  const to = from + m.ready;
  console.log(`    timeline of ${m.name} (Ready after ${m.ready.toFixed(0)} ms): agent commands, ms after create`);
  for (const e of own.filter((e) => e.endMs >= from && e.startMs <= to).slice(0, 50)) {
    console.log(`      ${(e.startMs - from).toFixed(0).padStart(6)} → ${(e.endMs - from).toFixed(0).padStart(6)}  ${e.tool} ${e.args.slice(0, 90)}`);
  }
}

function ratioLine(label: string, skiff: LatencySummary, bare: LatencySummary) {
  const r50 = skiff.p50 / bare.p50;
  const r99 = skiff.p99 / bare.p99;
  console.log(`  ${label.padEnd(15)} skiff p50 ${fmt(skiff.p50)} p99 ${fmt(skiff.p99)} | bare p50 ${fmt(bare.p50)} p99 ${fmt(bare.p99)} | ratio p50 ${r50.toFixed(2)} p99 ${r99.toFixed(2)}  ${verdict(r50 <= GOALS.ratio && r99 <= GOALS.ratio)} (≤ ${GOALS.ratio}); SLO p99 ≤ 5 s: ${verdict(skiff.p99 <= GOALS.p99Ms)}`);
  return { r50, r99 };
}

async function main() {
  const prefer = flags.binary ? "binary" : "source";
  const how = flags.binary ? "binary" : flags.smol ? "source, bun --smol" : "source";
  const archive = await testImageArchive(1); // fails with the install line without busybox-static
  netns = await createNetns("bagent");
  const serverDir = tempDir("skiff-bench-agent-server-");
  const agentDir = tempDir("skiff-bench-agent-node-");
  const toolsDir = tempDir("skiff-bench-agent-tools-");
  dirs.push(serverDir, agentDir, toolsDir);
  mkdirSync(join(agentDir, "agent", "images"), { recursive: true });
  copyFileSync(archive, join(agentDir, "agent", "images", basename(archive)));
  const commands = createCommandLog(toolsDir, ["podman", "ctr", "nft", "ip", "iptables", "iptables-restore", "iptables-save", "conntrack"]);
  const skiff = skiffCommand(prefer);
  const cmd = [...netns.prefix, ...(flags.smol && !flags.binary ? [skiff[0]!, "--smol", ...skiff.slice(1)] : skiff)];
  const kubeconfig = join(serverDir, "kubeconfig.yaml");
  const k = (args: string[]) => kubectlOk(kubeconfig, args, { prefix: netns!.prefix });

  log(`skiff from ${how}; runtime ${RUNTIME}; ${PODS} pods of ${TEST_IMAGE_1}; namespace ${netns.name}`);
  server = spawnSkiff(cmd, ["server", "--data-dir", serverDir, "--https-listen-port", "6443", "--bind-address", "127.0.0.1", "--node-name", "bench-server", "--disable-agent"]);
  await server.waitFor(/ready at/, 90_000);
  const token = readFileSync(join(serverDir, "server", "token"), "utf8").trim();
  agent = spawnSkiff(
    cmd,
    ["agent", "--server", "https://127.0.0.1:6443", "--token", token, "--data-dir", agentDir, "--node-name", NODE, "--agent-port", "10251", "--bind-address", "127.0.0.1", "--runtime", RUNTIME],
    { PATH: wrappedPath(commands) },
  );
  await agent.waitFor(/skiff agent ready/, 120_000);
  const pid = agent.proc.pid;
  const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  log(`agent ready, pid ${pid} (${comm}); commands it runs are logged through ${commands.tools.join(", ")}`);
  await waitFor("node Ready", async () => /\sReady\s/.test(await k(["get", "node", NODE]).catch(() => "")), 60_000);

  // What Bun alone takes: the floor under any RSS figure of a Bun program.
  const empty = Bun.spawn([bun, "-e", "setInterval(() => {}, 1000)"], { stdout: "ignore", stderr: "ignore" });
  await Bun.sleep(3000);
  const memBun = readMemory(empty.pid);
  empty.kill("SIGKILL");
  await empty.exited;
  // What the stack itself takes (Bun, TLS server and client, execa, prom-client): the floor under the agent.
  const memFloor = await measureAgentStackFloor({ prefix: netns.prefix, server: "https://127.0.0.1:6443", kubeconfig, agentDataDir: agentDir, port: 10252, settleMs: SETTLE_MS });
  log(`agent-stack floor RSS ${mib(memFloor)}`);

  // 2a + 3a. Idle: no pods.
  await Bun.sleep(SETTLE_MS);
  const memIdle = readMemory(pid);
  log(`idle RSS ${mib(memIdle)}; idle CPU over ${IDLE_CPU_SECONDS} s…`);
  const idleCpu = await cpuWindow(pid, IDLE_CPU_SECONDS, commands);

  // 1. skiff start latency. One warm-up pod first (page cache, first network use), not counted.
  log("warm-up pod");
  await startPods(kubeconfig, "sequential", 1, "warm");
  await deleteAllPods(kubeconfig);
  log(`${PODS} pods one at a time`);
  let mark = commandLogLength(commands);
  const seq = await startPods(kubeconfig, "sequential", PODS, "seq");
  const seqCommands = readCommandLog(commands, mark);
  log(`  done in ${fmt(seq.totalMs)}; deleting`);
  await deleteAllPods(kubeconfig);
  log(`${PODS} pods all at once`);
  mark = commandLogLength(commands);
  const par = await startPods(kubeconfig, "parallel", PODS, "par");
  const parCommands = readCommandLog(commands, mark);
  log(`  done in ${fmt(par.totalMs)}`);

  // 2b + 3b. With the pods running idle.
  await Bun.sleep(SETTLE_MS);
  const memPods = readMemory(pid);
  log(`RSS with ${PODS} pods ${mib(memPods)}; CPU over ${CPU_SECONDS} s…`);
  const podsCpu = await cpuWindow(pid, CPU_SECONDS, commands);
  const memAfter = readMemory(pid);
  log(`CPU cost of each runtime query with ${PODS} pods in place…`);
  const queryOpts = { dataDir: agentDir, netnsPrefix: netns.prefix, nodeName: NODE };
  // The podman query costs only mean something for podman.
  const queryCosts = RUNTIME === "podman" ? await measureQueryCosts(queryOpts) : [];
  const eventsPercent = RUNTIME === "podman" ? await measureEventsStream({ ...queryOpts, seconds: 20 }) : 0;
  log(`deleting the pods, stopping the agent`);
  await deleteAllPods(kubeconfig);
  agent.proc.kill("SIGTERM");
  await Promise.race([agent.proc.exited, Bun.sleep(20_000)]);

  // 1b. Bare podman, same config, network, image and namespace; the agent no longer runs.
  const bare = RUNTIME === "podman" ? barePodman({ dataDir: agentDir, netnsPrefix: netns.prefix, network: `skiff-${safeName(NODE)}`, image: TEST_IMAGE_1 }) : (bareRuntime = await bareCtr({ dataDir: agentDir, netnsPrefix: netns.prefix, nodeName: NODE, image: TEST_IMAGE_1 }));
  const leftovers = (await bare.run(RUNTIME === "podman" ? ["ps", "--all", "--quiet"] : ["tasks", "ls", "-q"])).trim();
  if (leftovers) throw new Error(`containers left after deleting the pods: ${leftovers}`);
  log(`bare ${RUNTIME}: warm-up pod`);
  await bare.start("sequential", 1, "bare-warm");
  await bare.removeAll("bare-warm");
  log(`bare ${RUNTIME}: ${PODS} pods one at a time`);
  const bareSeq = await bare.start("sequential", PODS, "bare-seq");
  await bare.removeAll("bare-seq");
  log(`bare ${RUNTIME}: ${PODS} pods all at once`);
  const t0 = performance.now();
  const barePar = await bare.start("parallel", PODS, "bare-par");
  const bareParTotal = performance.now() - t0;
  await bare.removeAll("bare-par");
  await bareRuntime?.close();

  console.log(`\n=== skiff agent benchmark: ${PODS} pods, runtime ${RUNTIME}, skiff from ${how}, ${new Date().toISOString()} ===`);
  console.log(`pod start latency (create → Ready through a watch; bare ${RUNTIME === "podman" ? "podman pod create + run -d" : "ip netns + ctr run -d"}: first command → container running)`);
  console.log(`  (with ${PODS} samples the nearest-rank p99 is the slowest pod)`);
  const s = { seq: summarize(seq.latenciesMs), par: summarize(par.latenciesMs), bareSeq: summarize(bareSeq), barePar: summarize(barePar) };
  const rSeq = ratioLine("one at a time", s.seq, s.bareSeq);
  const rPar = ratioLine("all at once", s.par, s.barePar);
  console.log(`  all at once, last pod Ready after: skiff ${fmt(par.totalMs)}, bare ${fmt(bareParTotal)}`);
  console.log(`  one at a time, in creation order: ${seq.latenciesMs.map((ms) => (ms / 1000).toFixed(1)).join(" ")} s`);
  printBreakdown("one at a time", pid, seq, seqCommands, true);
  printBreakdown("all at once", pid, par, parCommands, false);
  console.log(`agent RSS (VmRSS of the separate skiff agent process)`);
  console.log(`  an empty Bun process (bun -e "setInterval(…)"): ${mib(memBun)}`);
  console.log(`  the stack's floor (lib/rss-floor/agent-stack.ts: TLS server + client, execa, prom-client, no skiff code): ${mib(memFloor)}`);
  console.log(`  idle:            ${mib(memIdle)}  ${verdict(memIdle.rssMiB <= GOALS.rssMiB)} (≤ ${GOALS.rssMiB} MB)`);
  console.log(`  with ${PODS} pods:    ${mib(memPods)}  ${verdict(memPods.rssMiB <= GOALS.rssMiB)}`);
  console.log(`  after CPU window: ${mib(memAfter)}`);
  console.log(`agent CPU (utime+stime from /proc/${pid}/stat; "with commands" adds cutime+cstime of the calls it reaped and the ticks of its live descendants)`);
  printCalls(`idle, ${IDLE_CPU_SECONDS} s`, pid, idleCpu);
  printCalls(`${PODS} pods idle, ${CPU_SECONDS} s`, pid, podsCpu);
  console.log(`  CPU of one podman call with ${PODS} pods in place (median of 5; podman's user+system time):`);
  for (const q of queryCosts) console.log(`    ${q.query.padEnd(38)} ${q.cpuMs.toFixed(0).padStart(4)} ms CPU, ${q.wallMs.toFixed(0).padStart(4)} ms wall, ${(q.outputBytes / 1024).toFixed(0)} KiB out`);
  console.log(`    an idle \`podman events\` stream (20 s, its start included): ${eventsPercent.toFixed(2)} % of a core`);
  console.log(`  projected CPU of the agent's podman calls (children) with ${PODS} pods, by polling design:`);
  for (const d of pollingDesigns(queryCosts, PODS, SYNC_INTERVAL_S, eventsPercent)) console.log(`    ${d.percent.toFixed(1).padStart(5)} %  ${d.callsPerSync} calls per pass: ${d.design}`);
  console.log(`  ${verdict(podsCpu.cpu.own <= GOALS.cpuPercent)} for the agent by itself (≤ ${GOALS.cpuPercent} %); ${verdict(podsCpu.cpu.withChildren <= GOALS.cpuPercent)} counting its commands`);
  console.log(
    `RESULT ${JSON.stringify({
      pods: PODS,
      runtime: RUNTIME,
      skiff: how,
      latencyMs: s,
      ratio: { sequential: rSeq, parallel: rPar },
      rssMiB: { emptyBun: memBun.rssMiB, stackFloor: memFloor.rssMiB, idle: memIdle.rssMiB, withPods: memPods.rssMiB, afterCpuWindow: memAfter.rssMiB },
      queryCosts,
      cpuPercent: { idle: idleCpu.cpu, withPods: podsCpu.cpu },
      agentCommandsPerSecond: { idle: idleCpu.ownCalls.length / IDLE_CPU_SECONDS, withPods: podsCpu.ownCalls.length / CPU_SECONDS },
    })}`,
  );
}

/** Stops every process, removes every container and the namespace, whatever happened. */
async function cleanup() {
  await bareRuntime?.close().catch(() => {});
  for (const p of [agent, server]) {
    if (p && p.proc.exitCode === null) {
      p.proc.kill("SIGKILL");
      await p.proc.exited;
    }
  }
  if (netns && dirs[1]) {
    // Only the agent's data dir holds containers and network pieces.
    const p = Bun.spawn([...netns.prefix, ...skiffCommand("source"), "killall", "--data-dir", dirs[1]!], { stdout: "ignore", stderr: "ignore" });
    await Promise.race([p.exited, Bun.sleep(120_000)]);
  }
  await netns?.destroy();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

let code = 0;
try {
  await main();
} catch (e) {
  code = 1;
  console.error(`benchmark failed: ${(e as Error).stack ?? e}`);
  if (agent) console.error(`--- agent output (tail) ---\n${agent.output().slice(-3000)}`);
  if (server) console.error(`--- server output (tail) ---\n${server.output().slice(-2000)}`);
} finally {
  await cleanup();
}
process.exit(code);
