// Pod start on containerd beside podman: runs test/bench/agent.ts once per runtime, one after
// the other (each with its own bare baseline in its own process, as agent.ts measures it), and
// prints the two runtimes' figures side by side with the load average around each run.
// Run: node_modules/.bin/bun test/bench/agent-runtimes.ts [--pods N] [--cpu-seconds S]
//   (hold the machine's bench lock: flock /tmp/skiff-bench.lock …)
import { join } from "node:path";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({ args: process.argv.slice(2), options: { pods: { type: "string" }, "cpu-seconds": { type: "string" } } });
const bun = join(import.meta.dir, "../../node_modules/.bin/bun");
const script = join(import.meta.dir, "agent.ts");
const RUNTIMES = ["containerd", "podman"] as const;

type Summary = { p50: number; p99: number };
type Result = {
  latencyMs: { seq: Summary; par: Summary; bareSeq: Summary; barePar: Summary };
  ratio: { sequential: { r50: number; r99: number }; parallel: { r50: number; r99: number } };
  rssMiB: { idle: number; withPods: number };
  cpuPercent: { withPods: { own: number } };
};

const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
const results: { runtime: string; result: Result; load: string }[] = [];
for (const runtime of RUNTIMES) {
  const before = load();
  const args = ["--runtime", runtime, ...(flags.pods ? ["--pods", flags.pods] : []), ...(flags["cpu-seconds"] ? ["--cpu-seconds", flags["cpu-seconds"]] : [])];
  // agent.ts bounds its own waits and removes what it made; its output goes through as it comes.
  const proc = Bun.spawn([bun, script, ...args], { stdout: "pipe", stderr: "inherit" });
  let out = "";
  for await (const chunk of proc.stdout as unknown as AsyncIterable<Uint8Array>) {
    const text = new TextDecoder().decode(chunk);
    out += text;
    process.stdout.write(text);
  }
  const code = await proc.exited;
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || !line) {
    console.error(`agent.ts --runtime ${runtime} exited ${code} without a result`);
    process.exit(1);
  }
  results.push({ runtime, result: JSON.parse(line.slice("RESULT ".length)) as Result, load: `${before} → ${load()}` });
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`\n=== pod start, containerd beside podman (${flags.pods ?? 20} pods; ratio = skiff / bare runtime commands) ===`);
console.log("runtime     | one at a time p50 / p99 (bare)        | ratio       | all at once p50 / p99 (bare)          | ratio       | RSS idle / pods  | CPU, pods idle | load (1/5/15 min, before → after)");
for (const { runtime, result: r, load: l } of results) {
  const q = r.latencyMs;
  console.log(
    `${runtime.padEnd(11)} | ${s(q.seq.p50)} / ${s(q.seq.p99)} (${s(q.bareSeq.p50)} / ${s(q.bareSeq.p99)}) | ${r.ratio.sequential.r50.toFixed(2)} / ${r.ratio.sequential.r99.toFixed(2)} | ${s(q.par.p50)} / ${s(q.par.p99)} (${s(q.barePar.p50)} / ${s(q.barePar.p99)}) | ${r.ratio.parallel.r50.toFixed(2)} / ${r.ratio.parallel.r99.toFixed(2)} | ${r.rssMiB.idle.toFixed(1)} / ${r.rssMiB.withPods.toFixed(1)} MiB | ${r.cpuPercent.withPods.own.toFixed(2)} % | ${l}`,
  );
}
const [cd, pm] = results.map((x) => x.result);
console.log(`containerd / podman, skiff p50: one at a time ${(cd!.latencyMs.seq.p50 / pm!.latencyMs.seq.p50).toFixed(2)}, all at once ${(cd!.latencyMs.par.p50 / pm!.latencyMs.par.p50).toFixed(2)}`);
