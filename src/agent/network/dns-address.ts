// The cluster DNS address (10.43.0.10) lives on a dummy interface of every node, and the
// node's DNS server listens on it. Chosen over DNATing the address to some other port:
// pods' queries arrive as ordinary local traffic (no rule to keep in sync, works before
// the service rules exist), port 53 of the node's real addresses stays free, and the
// server is not exposed to other hosts — each node answers its own pods, like
// NodeLocal DNSCache. The service proxy is told to skip this address.
import { runTool, tryTool, type CommandPrefix } from "./command.ts";

export const DNS_DEVICE = "skiff-dns";
export const DEFAULT_CLUSTER_DNS = "10.43.0.10";

export async function ensureDnsAddress(address = DEFAULT_CLUSTER_DNS, prefix?: CommandPrefix): Promise<void> {
  if (!(await tryTool(prefix, ["ip", "link", "show", DNS_DEVICE]))) await runTool(prefix, ["ip", "link", "add", DNS_DEVICE, "type", "dummy"]);
  await runTool(prefix, ["ip", "addr", "replace", `${address}/32`, "dev", DNS_DEVICE]);
  await runTool(prefix, ["ip", "link", "set", DNS_DEVICE, "up"]);
}

export async function removeDnsAddress(prefix?: CommandPrefix): Promise<void> {
  await tryTool(prefix, ["ip", "link", "delete", DNS_DEVICE]);
}
