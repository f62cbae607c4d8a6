// The node's pod network as every runtime driver sees it: one Linux bridge per node (named
// from the node and data dir), the pod subnet's first address as its gateway, an MTU with
// room for the VXLAN header, and per pod a network namespace on a veth pair with the pod's
// address and a default route through the bridge. podman's netavark builds exactly this from
// the same name, subnet and MTU; drivers without a network stack of their own (containerd)
// build it here. The overlay, service proxy and DNS only ever see the bridge and subnet.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { RuntimeError } from "../runtime/errors.ts";
import { runTool, tryTool, type CommandPrefix } from "./command.ts";
import { spawnTool } from "./spawn-tool.ts";

/** Room for the VXLAN header when pod traffic crosses the overlay. */
export const POD_MTU = 1450;
export const DEFAULT_POD_SUBNET = "10.88.0.0/16";

/** Kubernetes names are DNS-1123, but keep runtime names safe whatever comes in. */
export function safeName(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_.-]/g, "-");
}

/**
 * Linux caps interface names at 15 bytes; a short hash of node name and data
 * dir keeps two agents with the same node name on one host apart.
 */
export function bridgeNameFor(nodeName: string, dataDir: string): string {
  const hash = createHash("sha256").update(`${nodeName}\0${dataDir}`).digest("hex").slice(0, 4);
  const stem = safeName(nodeName).replace(/[^a-z0-9]/g, "").slice(0, 6);
  return `skf${stem}${hash}`;
}

/** The gateway: first usable address of an IPv4 CIDR. */
export function firstHost(cidr: string): string {
  const [addr, lenText] = cidr.split("/");
  const parts = (addr ?? "").split(".").map(Number);
  const len = Number(lenText);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || !(len >= 0 && len <= 30)) {
    throw new RuntimeError("Failed", `invalid IPv4 subnet: ${cidr}`);
  }
  const n = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const gw = ((n & mask) + 1) >>> 0;
  return [gw >>> 24, (gw >>> 16) & 255, (gw >>> 8) & 255, gw & 255].join(".");
}

export interface PodBridge {
  bridge: string;
  subnet: string;
  commandPrefix?: CommandPrefix;
}

/** Named network namespaces live here (`ip netns`). */
export const NETNS_DIR = "/run/netns";

/** A pod's network namespace name: stable for the pod, short enough for a veth name too. */
export function podNetnsName(podUid: string): string {
  return `skiff-${podUid.replace(/-/g, "").slice(0, 12)}`;
}

export function podNetnsPath(podUid: string): string {
  return `${NETNS_DIR}/${podNetnsName(podUid)}`;
}

/** The host end of the pod's veth: 15 bytes at most. */
function hostVeth(podUid: string): string {
  return `veth${podUid.replace(/-/g, "").slice(0, 11)}`;
}

function fail(what: string, e: unknown): never {
  throw new RuntimeError("Failed", `${what}: ${(e as Error).message}`);
}

/** Makes the bridge with the gateway address, unless it is there already. */
export async function ensurePodBridge(net: PodBridge): Promise<void> {
  const p = net.commandPrefix;
  const len = net.subnet.split("/")[1];
  const gateway = `${firstHost(net.subnet)}/${len}`;
  if (!(await tryTool(p, ["ip", "link", "show", "dev", net.bridge]))) {
    await runTool(p, ["ip", "link", "add", "name", net.bridge, "mtu", String(POD_MTU), "type", "bridge"]).catch((e) => {
      if (!/exists/i.test((e as Error).message)) fail(`cannot make bridge ${net.bridge}`, e);
    });
  }
  const addrs = await runTool(p, ["ip", "-o", "-4", "addr", "show", "dev", net.bridge]);
  if (!addrs.includes(` ${gateway} `)) await runTool(p, ["ip", "addr", "add", gateway, "dev", net.bridge]).catch((e) => fail(`cannot address bridge ${net.bridge}`, e));
  await runTool(p, ["ip", "link", "set", "dev", net.bridge, "up"]);
  bridgesMade.add(bridgeKey(net));
}

const bridgesMade = new Set<string>();
const bridgeKey = (net: PodBridge) => `${(net.commandPrefix ?? []).join(" ")}\0${net.bridge}\0${net.subnet}`;

/**
 * The pod's network namespace with `ip` on eth0 behind the bridge. Idempotent: a namespace
 * already holding the address is left alone; a half-made one is made again.
 */
export async function addPodNetwork(net: PodBridge, podUid: string, ip: string): Promise<string> {
  const p = net.commandPrefix;
  const ns = podNetnsName(podUid);
  const len = net.subnet.split("/")[1];
  if (existsSync(`${NETNS_DIR}/${ns}`)) {
    const have = await runTool(p, ["ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0"]).catch(() => "");
    if (have.includes(` ${ip}/${len} `)) return podNetnsPath(podUid);
    await removePodNetwork(net, podUid);
  }
  const veth = hostVeth(podUid);
  // Two processes: the host's side in one batch, the pod's side in another (`ip -batch`
  // cannot switch namespaces between lines).
  const make = async () => {
    await spawnTool(p, ["ip", "-batch", "-"], [`netns add ${ns}`, `link add ${veth} mtu ${POD_MTU} type veth peer name eth0 mtu ${POD_MTU} netns ${ns}`, `link set dev ${veth} master ${net.bridge} up`, ""].join("\n"));
    await spawnTool(p, ["ip", "-n", ns, "-batch", "-"], ["link set lo up", `addr add ${ip}/${len} dev eth0`, "link set eth0 up", `route add default via ${firstHost(net.subnet)}`, ""].join("\n"));
  };
  try {
    // The bridge is checked once per node; a pod that cannot join it checks again.
    if (!bridgesMade.has(bridgeKey(net))) await ensurePodBridge(net);
    await make().catch(async () => {
      await removePodNetwork(net, podUid);
      await ensurePodBridge(net);
      await make();
    });
  } catch (e) {
    await removePodNetwork(net, podUid);
    fail(`cannot make the network of pod ${podUid}`, e);
  }
  return podNetnsPath(podUid);
}

/** Deleting the namespace deletes its veth pair; missing is fine. */
export async function removePodNetwork(net: PodBridge, podUid: string): Promise<void> {
  await tryTool(net.commandPrefix, ["ip", "netns", "delete", podNetnsName(podUid)]);
  await tryTool(net.commandPrefix, ["ip", "link", "delete", hostVeth(podUid)]);
}
