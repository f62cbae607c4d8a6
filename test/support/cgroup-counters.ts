// A container's own cgroup counters, found from a process of it: CPU time consumed and the
// memory working set (usage minus inactive file pages), on cgroup v1 (hybrid) and v2 hosts.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The pid of a process running `program` whose arguments contain the marker, or undefined
 * (the runtime's own commands that start it carry the marker too, under another program).
 */
export function pidWithMarker(program: string, marker: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args[0] === program && args.some((a) => a.includes(marker))) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

export type CgroupCounters = { cpuSeconds(): number; workingSetBytes(): number };

export function cgroupCountersOf(pid: number): CgroupCounters {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n").map((l) => l.split(":"));
  const v1 = (controller: string) => lines.find(([, ctrls]) => ctrls!.split(",").includes(controller))?.[2];
  const cpuPath = v1("cpuacct");
  const memPath = v1("memory");
  const stat = (file: string) => Object.fromEntries(readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
  if (cpuPath !== undefined && memPath !== undefined) {
    const cpuDir = ["cpu,cpuacct", "cpuacct,cpu", "cpuacct"].map((d) => join("/sys/fs/cgroup", d, cpuPath)).find((d) => existsSync(join(d, "cpuacct.usage")));
    const memDir = join("/sys/fs/cgroup/memory", memPath);
    if (!cpuDir) throw new Error(`no cpuacct.usage for ${cpuPath}`);
    return {
      cpuSeconds: () => Number(readFileSync(join(cpuDir, "cpuacct.usage"), "utf8")) / 1e9,
      workingSetBytes: () => {
        const usage = Number(readFileSync(join(memDir, "memory.usage_in_bytes"), "utf8"));
        return usage - Math.min(usage, stat(join(memDir, "memory.stat")).total_inactive_file ?? 0);
      },
    };
  }
  const unified = lines.find(([id]) => id === "0")?.[2];
  if (unified === undefined) throw new Error(`no cgroup of process ${pid}`);
  const dir = join("/sys/fs/cgroup", unified);
  return {
    cpuSeconds: () => stat(join(dir, "cpu.stat")).usage_usec! / 1e6,
    workingSetBytes: () => {
      const usage = Number(readFileSync(join(dir, "memory.current"), "utf8"));
      return usage - Math.min(usage, stat(join(dir, "memory.stat")).inactive_file ?? 0);
    },
  };
}
