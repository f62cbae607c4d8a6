// The pod overlay between hosts of the test's own: real podman pods on hosts h2 and h3
// reach each other by pod IP through VXLAN (and host-gw), without NAT; traffic to the
// outside is masqueraded; a node leaving takes its route, ARP and FDB entries with it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Overlay, VXLAN_DEVICE, type NodeLike, type OverlayBackend } from "../../src/agent/network/overlay.ts";
import { createHosts, startHostRuntime, type HostRuntime, type TestHost, type TestHosts, type TestPod } from "../support/hosts.ts";

const CLUSTER_CIDR = "10.42.0.0/16";
const subnets = ["10.42.1.0/24", "10.42.2.0/24", "10.42.3.0/24"];
let hosts: TestHosts;
let runtimes: HostRuntime[] = [];
let pods: TestPod[] = []; // on h2 and h3
let outside: Subprocess | undefined;
let webRoot = "";

// httpd whose CGI answers with the client address it sees, to tell NAT apart.
const IP_CGI = '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n';
const serveIp = ["sh", "-c", `mkdir -p /tmp/w/cgi-bin && printf '%s' '${IP_CGI}' > /tmp/w/cgi-bin/ip && chmod +x /tmp/w/cgi-bin/ip && exec httpd -f -p 8080 -h /tmp/w`];

function overlayFor(i: number, backend: OverlayBackend): Overlay {
  const h = hosts.hosts[i]!;
  return new Overlay({ backend, nodeName: h.name, nodeIp: h.ip, podCIDR: subnets[i]!, clusterCidr: CLUSTER_CIDR, commandPrefix: h.prefix });
}

/** Node objects as the agents would publish them. */
function nodesOf(overlays: Overlay[]): NodeLike[] {
  return overlays.map((o) => ({ metadata: { name: o.opts.nodeName, annotations: o.annotations() }, spec: { podCIDR: o.opts.podCIDR }, status: { addresses: [{ type: "InternalIP", address: o.opts.nodeIp }] } }));
}

async function fetchFrom(pod: TestPod, rt: HostRuntime, url: string): Promise<string> {
  const r = await rt.execIn(pod, ["sh", "-c", `for i in $(seq 30); do timeout 2 wget -qO- ${url} && exit 0; sleep 0.1; done; echo UNREACHABLE`]);
  // busybox httpd reports IPv4 clients in their IPv6-mapped form.
  return r.stdout.trim().replace(/^\[::ffff:(.*)\]$/, "$1");
}

async function setUp(backend: OverlayBackend): Promise<Overlay[]> {
  const overlays = [0, 1, 2].map((i) => overlayFor(i, backend));
  for (const o of overlays) await o.setup();
  for (const o of overlays) await o.sync(nodesOf(overlays));
  return overlays;
}

const show = (h: TestHost, ...args: string[]) => hosts.exec(h, args).then((r) => r.stdout);

beforeAll(async () => {
  hosts = await createHosts("ovl", 3);
  for (const i of [1, 2]) runtimes.push(await startHostRuntime(hosts.hosts[i]!, subnets[i]!));
  pods = [await runtimes[0]!.runPod("pod-b", serveIp), await runtimes[1]!.runPod("pod-c", serveIp)];
  webRoot = mkdtempSync(join(tmpdir(), "skiff-ovl-www-"));
  mkdirSync(join(webRoot, "cgi-bin"));
  writeFileSync(join(webRoot, "cgi-bin/ip"), IP_CGI);
  chmodSync(join(webRoot, "cgi-bin/ip"), 0o755);
  outside = Bun.spawn(["ip", "netns", "exec", hosts.hosts[0]!.netns, "busybox", "httpd", "-f", "-p", "8080", "-h", webRoot], { stdout: "ignore", stderr: "ignore" });
}, 180_000);

afterAll(async () => {
  outside?.kill();
  for (const rt of runtimes) await rt.destroy();
  await hosts?.destroy();
  if (webRoot) rmSync(webRoot, { recursive: true, force: true });
}, 60_000);

describe("vxlan overlay", () => {
  let overlays: Overlay[] = [];

  test("each node gets a VXLAN device (VNI 1, UDP 8472) and publishes its VTEP MAC", async () => {
    overlays = await setUp("vxlan");
    const link = await show(hosts.hosts[1]!, "ip", "-d", "link", "show", VXLAN_DEVICE);
    expect(link).toContain("vxlan id 1");
    expect(link).toContain("dstport 8472");
    expect(link).toContain(`local ${hosts.hosts[1]!.ip}`);
    expect(link).toContain(overlays[1]!.mac);
    expect(JSON.parse(overlays[1]!.annotations()["flannel.alpha.coreos.com/backend-data"]!)).toEqual({ VNIConfigured: 1, VtepMAC: overlays[1]!.mac });
    const routes = await show(hosts.hosts[1]!, "ip", "route");
    expect(routes).toContain(`10.42.3.0/24 via 10.42.3.0 dev ${VXLAN_DEVICE}`);
    expect(routes).toContain(`10.42.1.0/24 via 10.42.1.0 dev ${VXLAN_DEVICE}`);
    expect(await show(hosts.hosts[1]!, "bridge", "fdb", "show", "dev", VXLAN_DEVICE)).toContain(`${overlays[2]!.mac} dst ${hosts.hosts[2]!.ip}`);
  }, 60_000);

  test("a pod on h2 reaches a pod on h3 by IP and back, seen with its own address (no NAT)", async () => {
    const [b, c] = pods as [TestPod, TestPod];
    expect(await fetchFrom(b, runtimes[0]!, `http://${c.ip}:8080/cgi-bin/ip`)).toBe(b.ip);
    expect(await fetchFrom(c, runtimes[1]!, `http://${b.ip}:8080/cgi-bin/ip`)).toBe(c.ip);
  }, 60_000);

  test("pod-to-outside traffic is masqueraded to the node address", async () => {
    expect(await fetchFrom(pods[0]!, runtimes[0]!, `http://${hosts.hosts[0]!.ip}:8080/cgi-bin/ip`)).toBe(hosts.hosts[1]!.ip);
  }, 60_000);

  test("sync is idempotent, and a node leaving takes its route, ARP and FDB entries", async () => {
    await overlays[1]!.sync(nodesOf(overlays));
    const without = nodesOf([overlays[0]!, overlays[1]!]);
    await overlays[1]!.sync(without);
    await overlays[1]!.sync(without);
    const h2 = hosts.hosts[1]!;
    expect(await show(h2, "ip", "route")).not.toContain("10.42.3.0/24");
    expect(await show(h2, "ip", "neigh", "show", "dev", VXLAN_DEVICE)).not.toContain("10.42.3.0");
    expect(await show(h2, "bridge", "fdb", "show", "dev", VXLAN_DEVICE)).not.toContain(overlays[2]!.mac);
    expect(await show(h2, "ip", "route")).toContain("10.42.1.0/24 via 10.42.1.0");
    const r = await runtimes[0]!.execIn(pods[0]!, ["sh", "-c", `timeout 2 wget -qO- http://${pods[1]!.ip}:8080/ 2>&1; echo exit=$?`]);
    expect(r.stdout).not.toContain("exit=0");
    await overlays[1]!.sync(nodesOf(overlays)); // it joins again
    expect(await fetchFrom(pods[0]!, runtimes[0]!, `http://${pods[1]!.ip}:8080/cgi-bin/ip`)).toBe(pods[0]!.ip);
  }, 60_000);

  test("teardown removes the device, the routes and the NAT table", async () => {
    for (const o of overlays) await o.teardown();
    const h2 = hosts.hosts[1]!;
    expect(await show(h2, "ip", "link")).not.toContain(VXLAN_DEVICE);
    expect(await show(h2, "ip", "route")).not.toContain("10.42.3.0/24");
    expect(await show(h2, "nft", "list", "ruleset")).not.toContain("skiff-overlay");
  }, 60_000);
});

describe("host-gw overlay", () => {
  test("plain routes via the node addresses carry pod traffic both ways", async () => {
    const overlays = await setUp("host-gw");
    try {
      expect(await show(hosts.hosts[1]!, "ip", "route")).toContain(`10.42.3.0/24 via ${hosts.hosts[2]!.ip} dev eth0`);
      const [b, c] = pods as [TestPod, TestPod];
      expect(await fetchFrom(b, runtimes[0]!, `http://${c.ip}:8080/cgi-bin/ip`)).toBe(b.ip);
      expect(await fetchFrom(c, runtimes[1]!, `http://${b.ip}:8080/cgi-bin/ip`)).toBe(c.ip);
    } finally {
      for (const o of overlays) await o.teardown();
    }
  }, 60_000);
});
