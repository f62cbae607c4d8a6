// Churn benchmark (a script, not part of the pass/fail suite): how fast skiff deploys,
// rolls and stops N replicas, beside bare podman doing the same and Docker Swarm (a
// dockerd of the bench's own), on one machine, same busybox image, whose process exits on
// SIGTERM. Also the CPU and memory of each idle stack with the N replicas running.
//   - deploy: create → all N ready (skiff: Deployment Ready/available; Swarm: N tasks running)
//   - roll:   new image tag → all N replaced and the old gone (skiff maxSurge 5 /
//             maxUnavailable 0; Swarm update-parallelism 5, start-first)
//   - stop:   scale to 0 → no pod left (skiff: gone from the API, which the agent confirms
//             after removing the containers; Swarm: no container running)
// After one uncounted replica on each stack (warm-up), rounds are interleaved (each round runs
// every stack, in a rotating order), each figure waits for a quiet machine first, and skiff's
// operations print where their time went.
// Run: node_modules/.bin/bun test/bench/churn.ts [--rounds N] [--quick] [--replicas N]
//        [--runtime podman|containerd] [--binary] [--stacks skiff,bare,swarm] [--idle-seconds S]
//   --quick   one round, 10 s idle windows: a few minutes
// Everything runs inside a network namespace the bench makes (with a veth pair whose
// private address Swarm advertises); every process is stopped by PID and every
// container, mount and folder removed afterwards.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { safeName } from "../../src/agent/runtime/podman-config.ts";
import { bareChurn } from "./lib/churn-bare-podman.ts";
import { cpuOver, memoryOf } from "./lib/churn-proc-set.ts";
import { CHURN_NODE, startSkiffStack } from "./lib/churn-skiff.ts";
import { startSwarmStack } from "./lib/churn-swarm.ts";
import type { ChurnStack } from "./lib/churn-workload.ts";
import { loadAverage, waitForQuiet } from "./lib/quiet-machine.ts";

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: "string" },
    quick: { type: "boolean" },
    replicas: { type: "string" },
    runtime: { type: "string" },
    binary: { type: "boolean" },
    stacks: { type: "string" },
    "idle-seconds": { type: "string" },
    inner: { type: "string" },
  },
});
const VETH_ADDR = "10.213.77.1";
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

if (!flags.inner) await outer();
else await inner(flags.inner);

/** Makes the namespace (loopback and a veth pair with a private address), runs the bench in it, removes it. */
async function outer() {
  for (const [bin, pkg] of [["ip", "iproute2"], ["nsenter", "util-linux"], ["podman", "podman runc"], ["dockerd", "docker.io"]] as const) {
    if (!Bun.which(bin, { PATH: `${process.env.PATH}:/usr/sbin` })) throw new Error(`${bin} not found: apt-get install -y ${pkg}`);
  }
  const ns = `skiff-churn-${process.pid}`;
  await execa("ip", ["netns", "add", ns]);
  let code = 1;
  try {
    const ip = (...args: string[]) => execa("ip", ["-n", ns, ...args]);
    await ip("link", "set", "lo", "up");
    await ip("link", "add", "skc0", "type", "veth", "peer", "name", "skc1");
    await ip("addr", "add", `${VETH_ADDR}/24`, "dev", "skc0");
    await ip("link", "set", "skc0", "up");
    await ip("link", "set", "skc1", "up");
    const child = Bun.spawn(["nsenter", `--net=/run/netns/${ns}`, process.execPath, import.meta.path, ...process.argv.slice(2), "--inner", ns], { stdio: ["ignore", "inherit", "inherit"] });
    const forward = (sig: NodeJS.Signals) => process.on(sig, () => child.kill(sig));
    forward("SIGINT");
    forward("SIGTERM");
    code = await child.exited;
  } finally {
    await execa("ip", ["netns", "delete", ns], { reject: false });
  }
  process.exit(code);
}

type Figures = Map<string, Map<string, number[]>>; // op → stack → samples (ms, or % / MB)

async function inner(ns: string) {
  const quick = !!flags.quick;
  const rounds = Number(flags.rounds ?? (quick ? 1 : 3));
  const replicas = Number(flags.replicas ?? 20);
  const idleSeconds = Number(flags["idle-seconds"] ?? (quick ? 10 : 30));
  const runtime = (flags.runtime ?? "podman") as "podman" | "containerd";
  const wanted = new Set((flags.stacks ?? "skiff,bare,swarm").split(","));
  if (runtime !== "podman") wanted.delete("bare");
  const stacks: ChurnStack[] = [];
  const figures: Figures = new Map();
  const note = (op: string, stack: string, v: number) => {
    if (!figures.has(op)) figures.set(op, new Map());
    const m = figures.get(op)!;
    m.set(stack, [...(m.get(stack) ?? []), v]);
  };
  let code = 0;
  const stopAll = async () => {
    for (const s of stacks.splice(0).reverse()) await s.close().catch((e) => log(`closing ${s.name}: ${(e as Error).message}`));
  };
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stopAll().then(() => process.exit(143)));
  try {
    log(`churn bench in namespace ${ns}: ${rounds} round(s) of ${replicas} replicas, skiff on ${runtime}${flags.binary ? " (binary)" : " (source)"}, stacks ${[...wanted].join(", ")}; load ${loadAverage()}`);
    if (wanted.has("skiff") || wanted.has("bare")) {
      const skiff = await startSkiffStack({ runtime, prefer: flags.binary ? "binary" : "source", port: 6443, log });
      stacks.push(skiff);
      if (wanted.has("bare")) stacks.push(bareChurn({ dataDir: skiff.dataDir, network: `skiff-${safeName(CHURN_NODE)}` }));
      if (!wanted.has("skiff")) stacks.splice(0, 1);
    }
    if (wanted.has("swarm")) stacks.push(await startSwarmStack({ advertiseAddr: VETH_ADDR, log }));

    // One replica made and removed on each stack first, not counted: a fresh runtime's first
    // container (its network's first use, cold storage) cost skiff's first deploy 1.5-4 s more.
    for (const stack of stacks) {
      await stack.deploy(1);
      await stack.stop();
      await stack.reset();
    }
    log(`warm-up done (one replica made and removed on each stack)`);

    for (let round = 0; round < rounds; round++) {
      // A rotating order: no stack always runs first (or right after another's teardown).
      const order = stacks.map((_, i) => stacks[(i + round) % stacks.length]!);
      for (const stack of order) {
        const quiet = async () => {
          const q = await waitForQuiet({ log });
          return `load ${loadAverage()}, machine ${(q.busy * 100).toFixed(0)} % busy before`;
        };
        const op = async (name: string, run: () => ReturnType<ChurnStack["deploy"]>) => {
          const before = await quiet();
          const r = await run();
          note(name, stack.name, r.ms);
          log(`round ${round + 1} ${stack.name.padEnd(16)} ${name.padEnd(7)} ${(r.ms / 1000).toFixed(2)} s  (${before})`);
          if (r.breakdown && round === 0) for (const l of r.breakdown) console.log(`      ${l}`);
        };
        await op("deploy", () => stack.deploy(replicas));
        if (stack.pids().length) {
          await Bun.sleep(10_000);
          const before = await quiet();
          const { percent: cpu, byName } = await cpuOver(() => stack.pids(), idleSeconds);
          const mem = memoryOf(stack.pids());
          note("idle CPU %", stack.name, cpu);
          note("RSS MB", stack.name, mem.rssMB);
          note("PSS MB", stack.name, mem.pssMB);
          log(`round ${round + 1} ${stack.name.padEnd(16)} idle with ${replicas}: CPU ${cpu.toFixed(2)} % of a core over ${idleSeconds} s, RSS ${mem.rssMB.toFixed(0)} MB, PSS ${mem.pssMB.toFixed(0)} MB over ${mem.processes} processes  (${before})`);
          console.log(`      idle CPU by process: ${byName.slice(0, 5).map(([n, p]) => `${n} ${p.toFixed(2)} %`).join(", ")}`);
        }
        await op("roll", () => stack.roll());
        await op("stop", () => stack.stop());
        await stack.reset();
      }
    }
    report(figures, replicas, runtime);
  } catch (e) {
    code = 1;
    console.error(`benchmark failed: ${(e as Error).stack ?? e}`);
  } finally {
    await stopAll();
  }
  process.exit(code);
}

function report(figures: Figures, replicas: number, runtime: string) {
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { min: s[0]!, med: s[Math.floor((s.length - 1) / 2)]!, max: s.at(-1)! };
  };
  console.log(`\n=== churn, ${replicas} replicas, skiff on ${runtime}, ${new Date().toISOString()}, load ${loadAverage()} ===`);
  console.log(`figure        stack              min / median / max        median ÷ Swarm's`);
  for (const [op, byStack] of figures) {
    const unit = op.includes("%") ? " %" : op.includes("MB") ? " MB" : " s";
    const scale = unit === " s" ? 1000 : 1;
    const swarm = byStack.get("Docker Swarm");
    for (const [stack, xs] of byStack) {
      const s = stat(xs);
      const f = (v: number) => `${(v / scale).toFixed(unit === " %" ? 2 : 1)}`;
      const ratio = swarm && stack !== "Docker Swarm" ? `${(s.med / stat(swarm).med).toFixed(2)} ×` : "";
      console.log(`${op.padEnd(13)} ${stack.padEnd(18)} ${`${f(s.min)} / ${f(s.med)} / ${f(s.max)}${unit}`.padEnd(25)} ${ratio}`);
    }
  }
  const json = Object.fromEntries([...figures].map(([op, m]) => [op, Object.fromEntries(m)]));
  console.log(`RESULT ${JSON.stringify({ replicas, runtime, figures: json })}`);
}
