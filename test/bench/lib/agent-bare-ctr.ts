// The containerd baseline for pod start latency: the same pod made with bare commands, in
// the same network namespace and containerd (the agent's data dir, started again here
// since the agent's stopped with it): the pod's network namespace on the node's bridge
// (lib pod-bridge, as any CNI bridge plugin would make it) and `ctr run -d` of the image.
// Timed from the first command until `ctr run -d` returns, once the task runs.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { addPodNetwork, podNetnsPath, removePodNetwork } from "../../../src/agent/network/pod-bridge.ts";
import { createContainerdDriver } from "../../../src/agent/runtime/factory.ts";
import { normalizeImageRef } from "../../../src/agent/runtime/containerd-driver.ts";
import { PodIpAllocator } from "../../../src/agent/runtime/pod-ip-allocator.ts";
import type { BarePodman } from "./agent-bare-podman.ts";

export async function bareCtr(opts: { dataDir: string; netnsPrefix: string[]; nodeName: string; image: string }): Promise<BarePodman & { close(): Promise<void> }> {
  const subnet = JSON.parse(readFileSync(join(opts.dataDir, "agent", "node.json"), "utf8")).podCIDR as string;
  const driver = await createContainerdDriver({ dataDir: opts.dataDir, nodeName: opts.nodeName, subnet, commandPrefix: opts.netnsPrefix });
  const net = { bridge: driver.bridge, subnet, commandPrefix: opts.netnsPrefix };
  const addresses = new PodIpAllocator(subnet);
  // A pod uid per name: the namespace and veth names come from its first hex digits.
  const uidOf = (name: string) => {
    const h = createHash("sha256").update(name).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  };
  const run = async (args: string[]) => (await driver.cli.run(args)).stdout;

  async function one(name: string): Promise<number> {
    const t0 = performance.now();
    const uid = uidOf(name);
    await addPodNetwork(net, uid, addresses.assign(uid, []));
    await run(["run", "-d", "--null-io", "--with-ns", `network:${podNetnsPath(uid)}`, normalizeImageRef(opts.image), name, "sleep", "3600"]);
    return performance.now() - t0;
  }

  return {
    run,
    async start(mode, count, prefix) {
      const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
      const out: number[] = [];
      if (mode === "parallel") out.push(...(await Promise.all(names.map(one))));
      else for (const n of names) out.push(await one(n));
      const tasks = await run(["tasks", "ls"]);
      const notRunning = names.filter((n) => !new RegExp(`^${n}\\s+\\d+\\s+RUNNING`, "m").test(tasks));
      if (notRunning.length) throw new Error(`bare containers not running: ${notRunning.join(", ")}`);
      return out;
    },
    async removeAll(prefix) {
      const ids = (await run(["containers", "ls", "-q"])).split("\n").filter((id) => id.startsWith(`${prefix}-`));
      for (const id of ids) {
        await run(["tasks", "kill", "--signal", "SIGKILL", id]).catch(() => "");
        for (let i = 0; i < 50 && !(await run(["tasks", "delete", id]).then(() => true, (e) => /not found/.test(String(e?.stderr ?? e)))); i++) await Bun.sleep(50);
        await run(["containers", "delete", id]);
        await removePodNetwork(net, uidOf(id));
        addresses.release(uidOf(id));
      }
    },
    close: () => driver.close(),
  };
}
