// What a node reports about itself: capacity, system info, addresses and labels.
import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";
import { KUBE_VERSION } from "../version.ts";

export const goArch = (arch = process.arch) => ({ x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386" })[arch as "x64"] ?? arch;

function readOr(path: string, fallback = ""): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const text = readOr("/etc/os-release");
  return text.match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1] ?? "Linux";
}

/** Interfaces skiff makes itself (pod bridges, the overlay device, the DNS address): never the node's address. */
const SKIFF_INTERFACE = /^(skf|skiff|cni|podman|veth|flannel)/;

/**
 * The node's address: the one on the interface of the default route (as the kubelet
 * picks it), else the first IPv4 address on an interface skiff did not make, else loopback.
 */
export function defaultNodeIp(): string {
  const ifaces = os.networkInterfaces();
  const ipv4 = (name: string) => (ifaces[name] ?? []).find((a) => a.family === "IPv4" && !a.internal)?.address;
  const route = Bun.spawnSync(["ip", "-j", "route", "show", "default"], { stdout: "pipe", stderr: "ignore" });
  try {
    const dev = JSON.parse(route.stdout.toString() || "[]")[0]?.dev as string | undefined;
    const addr = dev ? ipv4(dev) : undefined;
    if (addr) return addr;
  } catch {}
  for (const name of Object.keys(ifaces)) {
    if (SKIFF_INTERFACE.test(name)) continue;
    const addr = ipv4(name);
    if (addr && !addr.startsWith("10.42.") && !addr.startsWith("10.43.")) return addr;
  }
  return "127.0.0.1";
}

/** Whether an address means "every address of the host". */
const isWildcard = (addr: string) => ["", "0.0.0.0", "::", "[::]"].includes(addr);

/**
 * The address the Node reports: --node-ip when given, else a specific --bind-address (as k3s
 * does: the agent listens there, so the server must reach it there whatever the routes say),
 * else the address of the default route.
 */
export function nodeIpFor(nodeIp: string | undefined, bindAddress: string | undefined): string {
  if (nodeIp) return nodeIp;
  if (bindAddress && !isWildcard(bindAddress)) return bindAddress.replace(/^\[|\]$/g, "");
  return defaultNodeIp();
}

export type NodeFacts = { capacity: Record<string, string>; nodeInfo: Record<string, string>; addresses: { type: string; address: string }[] };

export function nodeFacts(opts: { dataDir: string; nodeIp: string; runtimeVersion: string; maxPods?: number }): NodeFacts {
  let storage = 0;
  try {
    const s = statfsSync(opts.dataDir);
    storage = s.blocks * s.bsize;
  } catch {}
  return {
    capacity: {
      cpu: String(os.cpus().length),
      memory: `${Math.floor(os.totalmem() / 1024)}Ki`,
      pods: String(opts.maxPods ?? 110),
      "ephemeral-storage": `${Math.floor(storage / 1024)}Ki`,
    },
    nodeInfo: {
      machineID: readOr("/etc/machine-id"),
      systemUUID: readOr("/sys/class/dmi/id/product_uuid", readOr("/etc/machine-id")),
      bootID: readOr("/proc/sys/kernel/random/boot_id"),
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: opts.runtimeVersion,
      kubeletVersion: KUBE_VERSION.gitVersion,
      kubeProxyVersion: KUBE_VERSION.gitVersion,
      operatingSystem: "linux",
      architecture: goArch(),
    },
    addresses: [
      { type: "InternalIP", address: opts.nodeIp },
      { type: "Hostname", address: os.hostname() },
    ],
  };
}
