import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cappedUlimits,
  chooseOciRuntime,
  detectCgroupManager,
  detectCgroupMode,
  findOciRuntimes,
  parseHardLimits,
} from "../../../src/agent/runtime/host-detect.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max processes             96365                96365                processes
Max open files            1024                 20000                files
Max locked memory         8388608              8388608              bytes
`;

function fakeCgroupRoot(entries: { file?: string; dir?: string }[]): string {
  const root = mkdtempSync(join(tmpdir(), "skiff-cg-"));
  for (const e of entries) {
    if (e.dir) mkdirSync(join(root, e.dir), { recursive: true });
    if (e.file) writeFileSync(join(root, e.file), "cpu memory\n");
  }
  return root;
}

describe("host detection", () => {
  test("cgroup mode: unified, hybrid and legacy layouts", () => {
    const v2 = fakeCgroupRoot([{ file: "cgroup.controllers" }]);
    const hybrid = fakeCgroupRoot([{ dir: "memory" }, { dir: "unified" }]);
    const v1 = fakeCgroupRoot([{ dir: "memory" }, { dir: "cpu" }]);
    try {
      expect(detectCgroupMode(v2)).toBe("v2");
      expect(detectCgroupMode(hybrid)).toBe("hybrid");
      expect(detectCgroupMode(v1)).toBe("v1");
    } finally {
      for (const d of [v2, hybrid, v1]) rmSync(d, { recursive: true, force: true });
    }
  });

  test("crun is avoided on hybrid cgroups, runc is the fallback", () => {
    expect(chooseOciRuntime("hybrid", ["crun", "runc"])).toBe("runc");
    expect(chooseOciRuntime("hybrid", ["crun"])).toBeNull();
    expect(chooseOciRuntime("v2", ["crun", "runc"])).toBe("crun");
    expect(chooseOciRuntime("v2", ["runc"])).toBe("runc");
    expect(chooseOciRuntime("v1", [])).toBeNull();
  });

  test("OCI runtimes are looked up by name", () => {
    expect(findOciRuntimes((b) => (b === "runc" ? "/usr/sbin/runc" : null))).toEqual(["runc"]);
    expect(findOciRuntimes(() => null)).toEqual([]);
  });

  test("hard limits come from the Hard Limit column", () => {
    expect(parseHardLimits(LIMITS)).toEqual({ nofile: 20000, nproc: 96365 });
    expect(parseHardLimits("Max open files  unlimited unlimited files\n")).toEqual({
      nofile: "unlimited",
      nproc: "unlimited",
    });
  });

  test("container rlimits never exceed the caller's hard limits", () => {
    expect(cappedUlimits({ nofile: 20000, nproc: 96365 })).toEqual(["nofile=20000:20000", "nproc=4096:4096"]);
    expect(cappedUlimits({ nofile: "unlimited", nproc: 1000 })).toEqual(["nofile=1048576:1048576", "nproc=1000:1000"]);
  });

  test("systemd manages cgroups only when it is running", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-sd-"));
    try {
      expect(detectCgroupManager(dir)).toBe("systemd");
      expect(detectCgroupManager(join(dir, "absent"))).toBe("cgroupfs");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
