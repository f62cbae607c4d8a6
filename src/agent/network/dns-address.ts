// The cluster DNS address (10.43.0.10) lives on a dummy interface of every node, and the
// node's DNS server listens on it. Chosen over DNATing the address to some other port:
// pods' queries arrive as ordinary local traffic (no rule to keep in sync, works before
// the service rules exist), port 53 of the node's real addresses stays free, and the
// server is not exposed to other hosts — each node answers its own pods, like
// NodeLocal DNSCache. The service proxy is told to skip this address. Kernels without
// the dummy driver get the address on the loopback device instead (same effect).
import { runTool, tryTool, type CommandPrefix } from "./command.ts";

export const DNS_DEVICE = "skiff-dns";
export const DEFAULT_CLUSTER_DNS = "10.43.0.10";

/** Puts the address on the node; returns the device that holds it. */
export async function ensureDnsAddress(address = DEFAULT_CLUSTER_DNS, prefix?: CommandPrefix): Promise<string> {
  const haveDummy = (await tryTool(prefix, ["ip", "link", "show", DNS_DEVICE])) || (await tryTool(prefix, ["ip", "link", "add", DNS_DEVICE, "type", "dummy"]));
  const device = haveDummy ? DNS_DEVICE : "lo";
  await runTool(prefix, ["ip", "addr", "replace", `${address}/32`, "dev", device]);
  await runTool(prefix, ["ip", "link", "set", device, "up"]);
  return device;
}

export async function removeDnsAddress(address = DEFAULT_CLUSTER_DNS, prefix?: CommandPrefix): Promise<void> {
  await tryTool(prefix, ["ip", "link", "delete", DNS_DEVICE]);
  await tryTool(prefix, ["ip", "addr", "del", `${address}/32`, "dev", "lo"]);
}
