// Removes what skiff put in the host's network: the node's bridge, the overlay's VXLAN
// device and routes, skiff's nftables tables (service rules, overlay NAT), iptables
// chains where nft is missing, the service CIDR's route and the cluster DNS address.
// Missing pieces are fine.
import { execa } from "execa";
import { VXLAN_DEVICE, ROUTE_PROTO } from "./overlay.ts";
import { removeServiceRules } from "./service-proxy.ts";
import { DNS_DEVICE, DEFAULT_CLUSTER_DNS } from "./dns-address.ts";
import { removeServiceRoutes } from "./service-route.ts";

export async function cleanupHostNetwork(bridge: string): Promise<void> {
  await execa("ip", ["link", "delete", bridge], { reject: false });
  await execa("ip", ["link", "delete", VXLAN_DEVICE], { reject: false });
  await execa("ip", ["link", "delete", DNS_DEVICE], { reject: false });
  await execa("ip", ["addr", "del", `${DEFAULT_CLUSTER_DNS}/32`, "dev", "lo"], { reject: false });
  await execa("ip", ["route", "flush", "proto", String(ROUTE_PROTO)], { reject: false });
  await removeServiceRoutes();
  await removeServiceRules().catch(() => {});
  await execa("nft", ["delete", "table", "ip", "skiff"], { reject: false });
  await execa("nft", ["delete", "table", "ip", "skiff-overlay"], { reject: false });
}
