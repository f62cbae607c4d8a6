// Removes what skiff put in the host's network: the node's bridge, the overlay's VXLAN
// device and routes, skiff's nftables tables (service rules, overlay NAT), iptables
// chains where nft is missing, and the cluster DNS address. Missing pieces are fine.
import { runCommand } from "../subprocess.ts";
import { VXLAN_DEVICE, ROUTE_PROTO } from "./overlay.ts";
import { removeServiceRules } from "./service-proxy.ts";
import { DNS_DEVICE, DEFAULT_CLUSTER_DNS } from "./dns-address.ts";

export async function cleanupHostNetwork(bridge: string): Promise<void> {
  await runCommand(["ip", "link", "delete", bridge]);
  await runCommand(["ip", "link", "delete", VXLAN_DEVICE]);
  await runCommand(["ip", "link", "delete", DNS_DEVICE]);
  await runCommand(["ip", "addr", "del", `${DEFAULT_CLUSTER_DNS}/32`, "dev", "lo"]);
  await runCommand(["ip", "route", "flush", "proto", String(ROUTE_PROTO)]);
  await removeServiceRules().catch(() => {});
  await runCommand(["nft", "delete", "table", "ip", "skiff"]);
  await runCommand(["nft", "delete", "table", "ip", "skiff-overlay"]);
}
