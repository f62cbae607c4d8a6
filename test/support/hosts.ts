// N test "hosts" on one machine: each host is a network namespace of its own, joined by a
// veth pair to a bridge in a parent namespace the test also creates, with addresses from
// 192.168.77.0/24 that exist only inside those namespaces. Nothing can leave the machine:
// the parent has no route anywhere. Each host can also get its own podman world
// (storage, bridge network, pod subnet) for real containers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { createPodmanDriver } from "../../src/agent/runtime/podman-config.ts";
import type { PodmanDriver } from "../../src/agent/runtime/podman-driver.ts";
import type { SandboxInfo } from "../../src/agent/runtime/types.ts";
import { ensureTestImages, TEST_IMAGE_1 } from "./images.ts";

export type TestHost = {
  name: string;
  /** The host's network namespace (under /run/netns). */
  netns: string;
  /** Its address on the shared segment. */
  ip: string;
  /** Its interface on the shared segment. */
  iface: string;
  /** Prefix that runs a command inside the host: ["ip", "netns", "exec", netns]. */
  prefix: string[];
  /** The same with nsenter, which podman prefers (keeps the mount namespace). */
  nsenter: string[];
};

export type TestHosts = {
  parent: string;
  gateway: string;
  hosts: TestHost[];
  exec(host: TestHost, cmd: string[], opts?: { input?: string; timeoutMs?: number; reject?: boolean }): Promise<ExecResult>;
  destroy(): Promise<void>;
};

export type ExecResult = { stdout: string; stderr: string; exitCode: number };

export const HOSTS_SEGMENT = "192.168.77";

function requireTools() {
  for (const [bin, pkg] of [["ip", "iproute2"], ["nsenter", "util-linux"], ["nft", "nftables"]] as const) {
    if (!Bun.which(bin)) throw new Error(`${bin} not found: apt-get install -y ${pkg}`);
  }
}

/** Builds `count` hosts named h1..hN at 192.168.77.11, .12, … (the parent bridge is .1). */
export async function createHosts(tag: string, count: number): Promise<TestHosts> {
  requireTools();
  const stem = `skf-${tag}-${process.pid}`;
  const parent = `${stem}-p`;
  const made: string[] = [];
  const ns = (name: string, ...args: string[]) => execa("ip", ["-n", name, ...args]);
  const destroy = async () => {
    for (const n of made.reverse()) await execa("ip", ["netns", "delete", n], { reject: false });
  };
  try {
    await execa("ip", ["netns", "add", parent]);
    made.push(parent);
    await ns(parent, "link", "set", "lo", "up");
    await ns(parent, "link", "add", "br0", "type", "bridge");
    await ns(parent, "addr", "add", `${HOSTS_SEGMENT}.1/24`, "dev", "br0");
    await ns(parent, "link", "set", "br0", "up");
    const hosts: TestHost[] = [];
    for (let i = 1; i <= count; i++) {
      const netns = `${stem}-h${i}`;
      await execa("ip", ["netns", "add", netns]);
      made.push(netns);
      await ns(parent, "link", "add", `h${i}`, "type", "veth", "peer", "name", "eth0", "netns", netns);
      await ns(parent, "link", "set", `h${i}`, "master", "br0", "up");
      const ip = `${HOSTS_SEGMENT}.${10 + i}`;
      await ns(netns, "link", "set", "lo", "up");
      await ns(netns, "addr", "add", `${ip}/24`, "dev", "eth0");
      await ns(netns, "link", "set", "eth0", "up");
      // A default route so routed traffic (service VIPs, outside names) takes the normal
      // forwarding path; the parent at .1 routes nowhere, so nothing leaves.
      await ns(netns, "route", "add", "default", "via", `${HOSTS_SEGMENT}.1`);
      await execa("ip", ["netns", "exec", netns, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
      hosts.push({ name: `h${i}`, netns, ip, iface: "eth0", prefix: ["ip", "netns", "exec", netns], nsenter: ["nsenter", `--net=/run/netns/${netns}`] });
    }
    return {
      parent,
      gateway: `${HOSTS_SEGMENT}.1`,
      hosts,
      async exec(host, cmd, opts = {}) {
        const r = await execa("ip", ["netns", "exec", host.netns, ...cmd], { input: opts.input, timeout: opts.timeoutMs ?? 60_000, reject: opts.reject ?? true });
        return { stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), exitCode: r.exitCode ?? -1 };
      },
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}

export type TestPod = { name: string; ip: string; sandbox: SandboxInfo; containerId: string };

/** A podman world of a host's own, with the test images loaded, for running test pods. */
export type HostRuntime = {
  host: TestHost;
  driver: PodmanDriver;
  dataDir: string;
  subnet: string;
  /** A pod with one busybox container running `command`, once it has its IP. */
  runPod(name: string, command: string[]): Promise<TestPod>;
  removePod(pod: TestPod): Promise<void>;
  /** Runs a command in a running pod's container. */
  execIn(pod: TestPod, cmd: string[]): Promise<{ stdout: string; exitCode: number }>;
  destroy(): Promise<void>;
};

export async function startHostRuntime(host: TestHost, subnet: string): Promise<HostRuntime> {
  if (!Bun.which("podman")) throw new Error("podman not found: apt-get install -y podman runc busybox-static");
  const dataDir = mkdtempSync(join(tmpdir(), `skiff-${host.name}-`));
  const driver = await createPodmanDriver({ dataDir, nodeName: host.name, subnet, commandPrefix: host.nsenter });
  await ensureTestImages(driver);
  const text = (s: ReadableStream<Uint8Array> | null) => (s ? new Response(s).text() : Promise.resolve(""));
  return {
    host,
    driver,
    dataDir,
    subnet,
    async runPod(name, command) {
      const sandbox = await driver.ensureSandbox({ podUid: crypto.randomUUID(), podName: name, namespace: "default" });
      const containerId = await driver.createContainer(sandbox, { name: "main", image: TEST_IMAGE_1, command });
      await driver.startContainer(containerId);
      if (!sandbox.ip) throw new Error(`pod ${name} has no IP`);
      return { name, ip: sandbox.ip, sandbox, containerId };
    },
    async removePod(pod) {
      await driver.removeSandbox(pod.sandbox.podUid);
    },
    async execIn(pod, cmd) {
      const p = driver.exec(pod.containerId, cmd);
      const [stdout, exitCode] = await Promise.all([text(p.stdout), p.exitCode]);
      return { stdout, exitCode };
    },
    async destroy() {
      for (const s of await driver.listSandboxes().catch(() => [])) await driver.removeSandbox(s.podUid).catch(() => {});
      await driver.cli.run(["system", "reset", "--force"]).catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
