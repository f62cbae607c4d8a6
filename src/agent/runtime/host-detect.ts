// What this host can do with containers. Edge devices differ (cgroup layout,
// rlimits, installed OCI runtimes), so skiff looks instead of assuming.
import { existsSync, readFileSync } from "node:fs";

export type CgroupMode = "v2" | "hybrid" | "v1";

/** v2 = unified tree at the root; hybrid = v1 controllers plus a v2 tree at unified/. */
export function detectCgroupMode(root = "/sys/fs/cgroup"): CgroupMode {
  if (existsSync(`${root}/cgroup.controllers`)) return "v2";
  if (existsSync(`${root}/unified`)) return "hybrid";
  return "v1";
}

/** The OCI runtimes found on PATH (or in `lookup`, for tests). */
export function findOciRuntimes(lookup: (bin: string) => string | null = (b) => Bun.which(b)): string[] {
  return ["crun", "runc"].filter((name) => lookup(name) !== null);
}

/**
 * crun refuses hybrid cgroups ("cgroups in hybrid mode not supported"), so it
 * is only chosen on v2 or pure v1; runc works everywhere.
 */
export function chooseOciRuntime(mode: CgroupMode, available: string[]): string | null {
  if (mode !== "hybrid" && available.includes("crun")) return "crun";
  if (available.includes("runc")) return "runc";
  return null;
}

export interface HardLimits {
  nofile: number | "unlimited";
  nproc: number | "unlimited";
}

/** Parses /proc/self/limits for the hard open-files and processes limits. */
export function parseHardLimits(text: string): HardLimits {
  const pick = (label: string): number | "unlimited" => {
    const line = text.split("\n").find((l) => l.startsWith(label));
    const hard = line?.slice(label.length).trim().split(/\s+/)[1];
    if (hard === undefined || hard === "unlimited") return "unlimited";
    const n = Number(hard);
    return Number.isFinite(n) ? n : "unlimited";
  };
  return { nofile: pick("Max open files"), nproc: pick("Max processes") };
}

export function readHardLimits(path = "/proc/self/limits"): HardLimits {
  return parseHardLimits(readFileSync(path, "utf8"));
}

/**
 * Containers cannot raise rlimits above the caller's hard limits without
 * CAP_SYS_RESOURCE, so the defaults are capped at what this process holds.
 */
export function cappedUlimits(limits: HardLimits, wantNofile = 1048576, wantNproc = 4096): string[] {
  const cap = (want: number, hard: number | "unlimited") => (hard === "unlimited" ? want : Math.min(want, hard));
  const nofile = cap(wantNofile, limits.nofile);
  const nproc = cap(wantNproc, limits.nproc);
  return [`nofile=${nofile}:${nofile}`, `nproc=${nproc}:${nproc}`];
}

/** systemd manages cgroups only when it runs as init; otherwise podman writes cgroupfs itself. */
export function detectCgroupManager(systemdDir = "/run/systemd/system"): "systemd" | "cgroupfs" {
  return existsSync(systemdDir) ? "systemd" : "cgroupfs";
}

export interface HostFacts {
  cgroupMode: CgroupMode;
  ociRuntimes: string[];
  ociRuntime: string | null;
  cgroupManager: "systemd" | "cgroupfs";
  ulimits: string[];
}

export function detectHost(): HostFacts {
  const cgroupMode = detectCgroupMode();
  const ociRuntimes = findOciRuntimes();
  return {
    cgroupMode,
    ociRuntimes,
    ociRuntime: chooseOciRuntime(cgroupMode, ociRuntimes),
    cgroupManager: detectCgroupManager(),
    ulimits: cappedUlimits(readHardLimits()),
  };
}
