import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCgroupStats } from "../../../src/agent/runtime/podman-cgroup-stats.ts";

const root = mkdtempSync(join(tmpdir(), "skiff-cgroup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const id = (c: string) => c.repeat(64);
const pod = "9".repeat(64);

/** A container's cgroup folders as podman makes them with cgroupfs on a v1 (hybrid) host. */
function v1Container(base: string, ctr: string, opts: { procs: string; cpuNs: number; usage: number; inactive: number }) {
  const cpu = join(base, "cpuacct", "libpod_parent", pod, `libpod-${ctr}`);
  const mem = join(base, "memory", "libpod_parent", pod, `libpod-${ctr}`);
  mkdirSync(cpu, { recursive: true });
  mkdirSync(mem, { recursive: true });
  writeFileSync(join(cpu, "cgroup.procs"), opts.procs);
  writeFileSync(join(cpu, "cpuacct.usage"), `${opts.cpuNs}\n`);
  writeFileSync(join(mem, "memory.usage_in_bytes"), `${opts.usage}\n`);
  writeFileSync(join(mem, "memory.stat"), `cache 100\ntotal_cache 100\ntotal_inactive_file ${opts.inactive}\ntotal_active_file 5\n`);
}

describe("container stats from cgroup files", () => {
  const v1 = join(root, "v1");
  v1Container(v1, id("a"), { procs: "4242\n", cpuNs: 2_500_000_000, usage: 10_000_000, inactive: 4_000_000 });
  v1Container(v1, id("b"), { procs: "", cpuNs: 1, usage: 1, inactive: 0 });
  mkdirSync(join(v1, "cpuacct", "libpod_parent", pod, "conmon"), { recursive: true });

  test("a running container: CPU seconds and working set (usage less inactive file pages)", () => {
    const { stats, unknown } = readCgroupStats([id("a")], v1);
    expect(unknown).toEqual([]);
    expect(stats).toEqual([{ id: id("a"), cpuSeconds: 2.5, memoryWorkingSetBytes: 6_000_000 }]);
  });
  test("a container with no process left is not reported; one without a cgroup is left to podman", () => {
    const { stats, unknown } = readCgroupStats([id("b"), id("c")], v1);
    expect(stats).toEqual([]);
    expect(unknown).toEqual([id("c")]);
  });
  test("the unified hierarchy (cgroup v2)", () => {
    const v2 = join(root, "v2");
    const dir = join(v2, "libpod_parent", pod, `libpod-${id("d")}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(v2, "cgroup.controllers"), "cpu memory pids\n");
    writeFileSync(join(dir, "cgroup.procs"), "77\n");
    writeFileSync(join(dir, "cpu.stat"), "usage_usec 1500000\nuser_usec 1000000\n");
    writeFileSync(join(dir, "memory.current"), "8000000\n");
    writeFileSync(join(dir, "memory.stat"), "anon 1\ninactive_file 3000000\n");
    expect(readCgroupStats([id("d")], v2).stats).toEqual([{ id: id("d"), cpuSeconds: 1.5, memoryWorkingSetBytes: 5_000_000 }]);
  });
});
