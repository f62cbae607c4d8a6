// The processes that make up one stack (skiff with its conmons, or dockerd with its
// containerd and shims): found from root PIDs plus processes whose command line names the
// stack's own directories (conmon and containerd-shim detach from their parent), with all
// their descendants. CPU ticks and memory (VmRSS and PSS) are summed over that set.
import { readdirSync, readFileSync } from "node:fs";

/** One process from /proc: its parent, CPU ticks (its own, and its reaped children's) and command line. */
export type ProcEntry = { pid: number; ppid: number; ownTicks: number; reapedTicks: number; cmdline: string };

/** Every process now; ones that end while being read are skipped. */
export function readProcTable(): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const field = (n: number) => Number(rest[n - 3]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      out.push({ pid: Number(entry), ppid: field(4), ownTicks: field(14) + field(15), reapedTicks: field(16) + field(17), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** PIDs of the roots, of processes whose command line holds one of `markers`, and of everything below them. */
export function stackPids(roots: number[], markers: string[]): number[] {
  const procs = readProcTable();
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const start = new Set(roots);
  for (const p of procs) if (markers.some((m) => p.cmdline.includes(m))) start.add(p.pid);
  const all = new Set<number>();
  const stack = [...start];
  while (stack.length) {
    const pid = stack.pop()!;
    if (all.has(pid)) continue;
    all.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...all];
}

/**
 * CPU ticks of the set's live processes, keyed by PID: their own (utime+stime) and those of
 * the children they reaped (cutime+cstime), so short commands a daemon runs in a window (the
 * agent's podman calls, containerd's runc calls) count; a process that ends drops out.
 */
export function ticksOf(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(pid, Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]));
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Percent of one core the set used over `seconds`, counted per process alive at both ends,
 * and the same by process name (comm), largest first.
 */
export async function cpuOver(pids: () => number[], seconds: number): Promise<{ percent: number; byName: [string, number][] }> {
  const set = pids();
  const a = ticksOf(set);
  const t0 = performance.now();
  await Bun.sleep(seconds * 1000);
  const b = ticksOf(set);
  const elapsed = (performance.now() - t0) / 1000;
  const toPercent = (ticks: number) => ((ticks / 100) * 100) / elapsed;
  let ticks = 0;
  const byName = new Map<string, number>();
  for (const [pid, t] of b) {
    const d = t - (a.get(pid) ?? t);
    ticks += d;
    let name = "?";
    try {
      name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      // gone
    }
    byName.set(name, (byName.get(name) ?? 0) + d);
  }
  return { percent: toPercent(ticks), byName: [...byName].map(([n, t]): [string, number] => [n, toPercent(t)]).sort((x, y) => y[1] - x[1]) };
}

/** Summed VmRSS and PSS of the set, in MB (10^6 bytes, as the figures). */
export function memoryOf(pids: number[]): { rssMB: number; pssMB: number; processes: number } {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      rss += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      processes++;
    } catch {
      // gone, or a kernel thread
    }
  }
  return { rssMB: (rss * 1024) / 1e6, pssMB: (pss * 1024) / 1e6, processes };
}
