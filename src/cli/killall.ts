// `skiff killall`: stop every pod and container of this node and remove the network
// pieces skiff made on the host, as k3s's killall script does. Every runtime this data dir
// has used is cleaned (podman's and containerd's containers alike), and an etcd member a
// killed server left running is stopped.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { defaultServerOptions } from "../server/options.ts";
import { parseFlags } from "./flags.ts";
import { nodeDriver, nodeRuntimeOf } from "./node-runtime.ts";
import { cleanupHostNetwork } from "../agent/network/cleanup.ts";
import type { RuntimeName } from "../agent/runtime/factory.ts";
import { stopLeftoverMember } from "../server/etcd/etcd-member.ts";

/** The runtimes with state in this data dir (or the one recorded). */
export function runtimesUsed(dataDir: string): RuntimeName[] {
  const used = new Set<RuntimeName>();
  const recorded = nodeRuntimeOf(dataDir).runtime;
  if (recorded) used.add(recorded);
  for (const r of ["podman", "containerd"] as const) if (existsSync(join(dataDir, "agent", r))) used.add(r);
  return [...used];
}

export async function killall(dataDir: string): Promise<void> {
  await stopLeftoverMember(join(dataDir, "server"));
  const runtimes = runtimesUsed(dataDir);
  const bridges = new Set<string>();
  for (const runtime of runtimes.length ? runtimes : [undefined]) {
    const driver = await nodeDriver(dataDir, runtime);
    try {
      await driver.removeAll();
      bridges.add(driver.bridge);
    } finally {
      await driver.close();
    }
  }
  for (const bridge of bridges) await cleanupHostNetwork(bridge);
}

export async function run(args: string[]): Promise<number> {
  try {
    const { values } = parseFlags(args, { "data-dir": { type: "string" } });
    if (values.help) {
      process.stdout.write("Usage: skiff killall [--data-dir DIR]\n");
      return 0;
    }
    await killall(values["data-dir"] ?? defaultServerOptions().dataDir);
    console.log("skiff: all pods of this node stopped and its network removed");
    return 0;
  } catch (e) {
    process.stderr.write(`skiff killall: ${(e as Error).message}\n`);
    return 1;
  }
}
