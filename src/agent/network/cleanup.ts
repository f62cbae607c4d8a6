// Removes what skiff put in the host's network: the node's bridge and skiff's own
// nftables table (service rules). Missing pieces are fine.
import { execa } from "execa";

export async function cleanupHostNetwork(bridge: string): Promise<void> {
  await execa("ip", ["link", "delete", bridge], { reject: false });
  await execa("nft", ["delete", "table", "ip", "skiff"], { reject: false });
}
