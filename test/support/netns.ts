// A network namespace of the test's own: every process that makes container networks or
// talks to pod addresses runs inside it, so nothing reaches or changes the host's network.
import { execa } from "execa";

export type TestNetns = { name: string; prefix: string[]; destroy(): Promise<void> };

export async function createNetns(tag: string): Promise<TestNetns> {
  for (const [bin, pkg] of [["ip", "iproute2"], ["podman", "podman runc"], ["nsenter", "util-linux"]] as const) {
    if (!Bun.which(bin)) throw new Error(`${bin} not found: apt-get install -y ${pkg}`);
  }
  const name = `skiff-${tag}-${process.pid}`;
  await execa("ip", ["netns", "add", name]);
  await execa("ip", ["-n", name, "link", "set", "lo", "up"]);
  return {
    name,
    // nsenter, not `ip netns exec`: the latter remounts /sys, hiding the cgroup tree podman needs.
    prefix: ["nsenter", `--net=/run/netns/${name}`],
    async destroy() {
      await execa("ip", ["netns", "delete", name], { reject: false });
    },
  };
}
