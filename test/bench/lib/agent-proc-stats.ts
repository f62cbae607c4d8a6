// What the kernel says about one process: resident memory from /proc/PID/status and CPU
// ticks from /proc/PID/stat, plus the small statistics the agent benchmark prints.
import { readFileSync } from "node:fs";

/** Resident set of a process, in MiB: total, anonymous (heap) and file-backed (mapped binary). */
export type MemorySample = { rssMiB: number; hwmMiB: number; anonMiB: number; fileMiB: number };

export function readMemory(pid: number): MemorySample {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => {
    const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    if (!m) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) / 1024;
  };
  return { rssMiB: kib("VmRSS"), hwmMiB: kib("VmHWM"), anonMiB: kib("RssAnon"), fileMiB: kib("RssFile") };
}

/**
 * CPU ticks of a process: its own (utime+stime) and those of children it has reaped
 * (cutime+cstime), which is where the short-lived podman calls it runs end up.
 */
export type CpuSample = { atMs: number; ownTicks: number; childTicks: number };

export function readCpu(pid: number): CpuSample {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields are counted after its closing paren.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
  const field = (n: number) => Number(rest[n - 3]);
  return { atMs: performance.now(), ownTicks: field(14) + field(15), childTicks: field(16) + field(17) };
}

/** Clock ticks per second (getconf CLK_TCK); 100 on every Linux this runs on, but ask. */
export function clockTicksPerSecond(): number {
  const r = Bun.spawnSync(["getconf", "CLK_TCK"]);
  const n = Number(r.stdout.toString().trim());
  return n > 0 ? n : 100;
}

/** Percent of one core used between two samples: own, and with reaped children added. */
export function cpuPercent(a: CpuSample, b: CpuSample, hz: number): { own: number; withChildren: number; seconds: number } {
  const seconds = (b.atMs - a.atMs) / 1000;
  const own = ((b.ownTicks - a.ownTicks) / hz / seconds) * 100;
  const children = ((b.childTicks - a.childTicks) / hz / seconds) * 100;
  return { own, withChildren: own + children, seconds };
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export type LatencySummary = { n: number; p50: number; p99: number; max: number };

export function summarize(latenciesMs: number[]): LatencySummary {
  return { n: latenciesMs.length, p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), max: Math.max(...latenciesMs) };
}
