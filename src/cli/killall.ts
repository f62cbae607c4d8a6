// `skiff killall`: stop every pod and container of this node and remove the network
// pieces skiff made on the host, as k3s's killall script does.
import { defaultServerOptions } from "../server/options.ts";
import { parseFlags } from "./flags.ts";
import { nodeDriver } from "./node-runtime.ts";
import { cleanupHostNetwork } from "../agent/network/cleanup.ts";

export async function killall(dataDir: string): Promise<void> {
  const driver = await nodeDriver(dataDir);
  for (const sb of await driver.listSandboxes()) await driver.removeSandbox(sb.podUid);
  // Anything left (containers outside a sandbox, stopped pods), then the node's network.
  await driver.cli.run(["rm", "--all", "--force", "--time", "0"]).catch(() => {});
  await driver.cli.run(["pod", "rm", "--all", "--force"]).catch(() => {});
  await driver.cli.run(["network", "rm", "--force", driver.settings.networkName]).catch(() => {});
  await cleanupHostNetwork(driver.settings.bridge);
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
