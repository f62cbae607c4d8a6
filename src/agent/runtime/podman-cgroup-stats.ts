// Per-container CPU and memory read straight from the containers' cgroup files, as the
// kubelet's cAdvisor does: a scrape costs a few file reads instead of a `podman stats`
// process (which, run every 15 s for the metrics API, was most of an idle node's CPU).
// podman places a pod's containers under CGROUP_PARENT/<pod id>/libpod-<id> (cgroupfs) or
// machine.slice/…/libpod-<id>.scope (systemd); a container not found there is left to the
// caller (`podman stats`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerStats } from "./types.ts";

const PARENTS = ["libpod_parent", "machine.slice"];

/** Folders named libpod-<id>[.scope] up to two levels under the parents, by container id. */
function containerDirs(base: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return;
    }
    for (const name of entries) {
      const m = /^libpod-([0-9a-f]{64})(\.scope)?$/.exec(name);
      if (m) out.set(m[1]!, join(dir, name));
      else if (depth < 2 && name !== "conmon") visit(join(dir, name), depth + 1);
    }
  };
  for (const parent of PARENTS) visit(join(base, parent), 0);
  return out;
}

const readNumber = (path: string) => Number(readFileSync(path, "utf8").trim());

function statField(text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

/**
 * Stats of the running containers among `ids` (a container with no process left is not
 * reported, as with `podman stats`), and the ids whose cgroup was not found.
 * Working set = usage - inactive file pages, the kubelet's definition.
 */
export function readCgroupStats(ids: string[], root = "/sys/fs/cgroup"): { stats: ContainerStats[]; unknown: string[] } {
  const unified = !existsSync(join(root, "cpuacct")) && existsSync(join(root, "cgroup.controllers"));
  const cpuDirs = containerDirs(unified ? root : join(root, "cpuacct"));
  const memDirs = unified ? cpuDirs : containerDirs(join(root, "memory"));
  const stats: ContainerStats[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const cpuDir = cpuDirs.get(id);
    const memDir = memDirs.get(id);
    if (!cpuDir || !memDir) {
      unknown.push(id);
      continue;
    }
    try {
      if (readFileSync(join(cpuDir, "cgroup.procs"), "utf8").trim() === "") continue;
      let cpuNanos: number;
      let usage: number;
      let inactive: number;
      if (unified) {
        cpuNanos = statField(readFileSync(join(cpuDir, "cpu.stat"), "utf8"), "usage_usec") * 1000;
        usage = readNumber(join(memDir, "memory.current"));
        inactive = statField(readFileSync(join(memDir, "memory.stat"), "utf8"), "inactive_file");
      } else {
        cpuNanos = readNumber(join(cpuDir, "cpuacct.usage"));
        usage = readNumber(join(memDir, "memory.usage_in_bytes"));
        inactive = statField(readFileSync(join(memDir, "memory.stat"), "utf8"), "total_inactive_file");
      }
      stats.push({ id, cpuSeconds: cpuNanos / 1e9, memoryWorkingSetBytes: Math.max(0, usage - inactive) });
    } catch {
      // Gone while being read: not running.
    }
  }
  return { stats, unknown };
}
