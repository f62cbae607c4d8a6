// Skiff nodes on test hosts (see hosts.ts): one `skiff server` or `skiff agent` per host, each
// with a data dir of its own, and their teardown.
import { rmSync } from "node:fs";
import { execa } from "execa";
import type { TestHost, TestHosts } from "./hosts.ts";
import { skiffCommand, type SkiffProcess } from "./process.ts";

export type HostNode = { name: string; host: TestHost; dir: string; proc?: SkiffProcess };

/**
 * Kills every node's process, then runs `skiff killall` in each host (which removes its pods,
 * bridge, VXLAN device, DNS address and tables), removes the data dirs and the hosts.
 */
export async function stopHostNodes(nodes: HostNode[], hosts: TestHosts | undefined): Promise<void> {
  for (const n of nodes) {
    n.proc?.proc.kill("SIGKILL");
    await n.proc?.proc.exited;
  }
  for (const n of nodes) {
    await execa(n.host.nsenter[0]!, [...n.host.nsenter.slice(1), ...skiffCommand("source"), "killall", "--data-dir", n.dir], { reject: false, timeout: 60_000 });
    rmSync(n.dir, { recursive: true, force: true });
  }
  await hosts?.destroy();
}
