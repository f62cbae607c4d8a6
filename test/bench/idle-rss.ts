// Idle memory of the compiled `skiff server` as users start it (with its embedded agent) beside
// `skiff server --disable-agent`, in the same run: RSS every second for 35 s after ready, the
// highest reading from 5 s on. The agent's pods and network are removed with `skiff killall`.
// Run: bun test/bench/idle-rss.ts [runs]
import { execa } from "execa";
import { loadavg } from "node:os";
import { ensureFreshSkiffBinary } from "./lib/skiff-binary.ts";
import { startSkiffServer, type SkiffServer } from "./lib/skiff-server-process.ts";
import { median } from "./lib/stats.ts";

const [runs = 2] = process.argv.slice(2).map(Number);
const SAMPLE_S = 35;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const log = (line: string) => console.log(line);

type Reading = { peak: number; anon: number; file: number; at: number; first: number };

async function idleReading(server: SkiffServer): Promise<Reading> {
  const samples: { at: number; rss: number; anon: number; file: number }[] = [];
  for (let at = 1; at <= SAMPLE_S; at++) {
    await Bun.sleep(1000);
    const parts = server.rssParts();
    samples.push({ at, rss: server.rssBytes(), anon: parts.anonBytes, file: parts.fileBytes });
  }
  const peak = samples.filter((s) => s.at >= 5).reduce((a, b) => (b.rss > a.rss ? b : a));
  return { peak: peak.rss, anon: peak.anon, file: peak.file, at: peak.at, first: samples[0]!.rss };
}

// The whole run happens inside a network namespace of its own (the agent makes a bridge, routes
// and rules there): the script starts itself again under `unshare --net`.
if (!process.env.SKIFF_BENCH_IN_NETNS) {
  for (const [bin, pkg] of [["unshare", "util-linux"], ["ip", "iproute2"], ["podman", "podman runc"]] as const) {
    if (!Bun.which(bin)) throw new Error(`${bin} not found: apt-get install -y ${pkg}`);
  }
  const inner = Bun.spawn(["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", process.execPath, import.meta.path, ...process.argv.slice(2)], { stdio: ["inherit", "inherit", "inherit"], env: { ...process.env, SKIFF_BENCH_IN_NETNS: "1" } });
  process.exit(await inner.exited);
}

log(`load average at start: ${loadavg().map((v) => v.toFixed(2)).join(" ")}`);
const binary = await ensureFreshSkiffBinary(log);
const results: Record<"control plane only" | "with embedded agent", Reading[]> = { "control plane only": [], "with embedded agent": [] };
for (let run = 1; run <= runs; run++) {
  const plain = await startSkiffServer({ binary });
  try {
    results["control plane only"].push(await idleReading(plain));
  } finally {
    await plain.stop();
  }
  {
    const server = await startSkiffServer({ binary, withAgent: true, readyTimeoutMs: 60_000, extraArgs: ["--node-name", "bench-idle"] });
    // Ready is the API; the agent registers its Node a moment later: idle starts once it has.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(await server.api("/api/v1/nodes/bench-idle")).ok) await Bun.sleep(200);
    try {
      results["with embedded agent"].push(await idleReading(server));
    } finally {
      await server.stop({ keepDataDir: true });
      await execa(binary, ["killall", "--data-dir", server.dataDir], { reject: false });
      await execa("rm", ["-rf", server.dataDir], { reject: false });
    }
  }
  log(`run ${run}: ${Object.entries(results).map(([k, v]) => `${k} ${mb(v.at(-1)!.peak)} MB`).join(", ")}`);
}
log(`\nidle RSS of skiff server, highest reading 5–${SAMPLE_S} s after ready (${runs} runs, load now ${loadavg()[0]!.toFixed(2)}):`);
for (const [name, list] of Object.entries(results)) {
  const peaks = list.map((r) => r.peak);
  const last = list.at(-1)!;
  log(`  ${name.padEnd(22)} median ${mb(median(peaks))} MB (runs: ${peaks.map(mb).join(", ")}); last run: private ${mb(last.anon)} MB, mapped from files ${mb(last.file)} MB, ${mb(last.first)} MB 1 s after ready; goal ≤ 60 MB`);
}
