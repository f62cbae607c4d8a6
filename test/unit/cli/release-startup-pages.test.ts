import { describe, expect, test } from "bun:test";
import { releasableMappings } from "../../../src/cli/release-startup-pages.ts";

const exe = "/usr/local/bin/skiff";
// The shape of /proc/PID/maps for a compiled skiff: its segments, the libsql addon Bun
// extracted, libc, anonymous memory.
const maps = `00200000-01a39000 r--p 00000000 fe:00 5309728                            ${exe}
01a40000-0684a000 r-xp 01838000 fe:00 5309728                            ${exe}
06867000-07fe0000 rw-p 0665e000 fe:00 5309728                            ${exe}
5e81fa00000-5e85fa00000 rw-p 00000000 00:00 0
7f91ece00000-7f91ed6d2000 r-xp 00000000 fe:00 2146983                    /tmp/.bun-0-f62bf34fc664bb18.node
7f91ed6d2000-7f91ed8d2000 ---p 008d2000 fe:00 2146983                    /tmp/.bun-0-f62bf34fc664bb18.node
7f91ed8d2000-7f91ed939000 r--p 008d2000 fe:00 2146983                    /tmp/.bun-0-f62bf34fc664bb18.node
7f922e9bd000-7f922eb13000 r-xp 00026000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6
7ffd1c5e0000-7ffd1c601000 rw-p 00000000 00:00 0                          [stack]
`;

describe("releasableMappings", () => {
  test("takes the read-only mappings of the executable and of Bun's extracted addons", () => {
    expect(releasableMappings(maps, exe)).toEqual([
      { start: 0x200000, length: 0x1a39000 - 0x200000, path: exe },
      { start: 0x1a40000, length: 0x684a000 - 0x1a40000, path: exe },
      { start: 0x7f91ece00000, length: 0x7f91ed6d2000 - 0x7f91ece00000, path: "/tmp/.bun-0-f62bf34fc664bb18.node" },
      { start: 0x7f91ed8d2000, length: 0x7f91ed939000 - 0x7f91ed8d2000, path: "/tmp/.bun-0-f62bf34fc664bb18.node" },
    ]);
  });

  test("never a writable or inaccessible mapping, nor another library", () => {
    const found = releasableMappings(maps, exe);
    expect(found.some((m) => m.start === 0x6867000)).toBe(false); // rw-p data of the executable
    expect(found.some((m) => m.start === 0x7f91ed6d2000)).toBe(false); // ---p guard
    expect(found.some((m) => m.path.includes("libc"))).toBe(false);
  });

  test("another executable's path matches nothing of skiff's", () => {
    expect(releasableMappings(maps, "/usr/bin/other").map((m) => m.path)).toEqual(["/tmp/.bun-0-f62bf34fc664bb18.node", "/tmp/.bun-0-f62bf34fc664bb18.node"]);
  });
});
