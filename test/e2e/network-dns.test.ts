// Cluster DNS seen from a real container: the server runs inside a test host's namespace
// on the cluster DNS address (a dummy interface there), and busybox's nslookup in a pod
// on that host asks it. Pods get the resolv.conf the agent's sandbox flags give them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { ensureDnsAddress } from "../../src/agent/network/dns-address.ts";
import { podDnsConfig } from "../../src/agent/network/cluster-dns.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { createHosts, startHostRuntime, type HostRuntime, type TestHosts, type TestPod } from "../support/hosts.ts";

const DNS = "10.43.0.10";
let hosts: TestHosts;
let rt: HostRuntime;
let client: TestPod;
let server: Subprocess | undefined;
let dnsDevice = "";

const services = [
  { metadata: { namespace: "default", name: "web" }, spec: { clusterIP: "10.43.0.20", ports: [{ name: "http", protocol: "TCP", port: 80 }] } },
  { metadata: { namespace: "default", name: "db" }, spec: { clusterIP: "None", ports: [{ name: "pg", protocol: "TCP", port: 5432 }] } },
];
const slices = [
  { metadata: { namespace: "default", name: "db-1", labels: { "kubernetes.io/service-name": "db" } }, addressType: "IPv4", ports: [{ name: "pg", port: 5432, protocol: "TCP" }], endpoints: [{ addresses: ["10.42.1.50"] }, { addresses: ["10.42.1.51"] }] },
];

// The DNS server as its own process inside the host's namespace (it must bind there).
const serverScript = `
import { startDnsServer } from ${JSON.stringify(new URL("../../src/agent/network/dns-server.ts", import.meta.url).pathname)};
import { ClusterZone } from ${JSON.stringify(new URL("../../src/agent/network/dns-records.ts", import.meta.url).pathname)};
const zone = new ClusterZone(JSON.parse(process.env.SVCS), JSON.parse(process.env.SLICES));
await startDnsServer({ address: ${JSON.stringify(DNS)}, port: 53, zone: () => zone, upstreams: [] });
console.log("ready");
`;

beforeAll(async () => {
  hosts = await createHosts("dns", 1);
  const host = hosts.hosts[0]!;
  rt = await startHostRuntime(host, "10.42.1.0/24");
  dnsDevice = await ensureDnsAddress(DNS, host.prefix);
  server = Bun.spawn(["ip", "netns", "exec", host.netns, process.execPath, "-e", serverScript], {
    env: { ...process.env, SVCS: JSON.stringify(services), SLICES: JSON.stringify(slices) },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (server.stdout as ReadableStream<Uint8Array>).getReader();
  const first = await Promise.race([reader.read(), Bun.sleep(15_000).then(() => ({ value: undefined }))]);
  if (!new TextDecoder().decode(first.value ?? new Uint8Array()).includes("ready")) throw new Error("the DNS server did not start");
  reader.releaseLock();
  client = await rt.runPod("client", ["sleep", "3600"]);
}, 180_000);

afterAll(async () => {
  server?.kill();
  await rt?.destroy();
  await hosts?.destroy();
}, 60_000);

describe("cluster DNS from a pod", () => {
  test("the DNS address sits on a local interface of the node", async () => {
    const { stdout } = await hosts.exec(hosts.hosts[0]!, ["ip", "addr", "show", dnsDevice]);
    expect(stdout).toContain(`inet ${DNS}/32`);
  });

  test("nslookup web.default.svc.cluster.local gives the ClusterIP", async () => {
    const r = await rt.execIn(client, ["nslookup", "web.default.svc.cluster.local", DNS]);
    expect(r.stdout).toMatch(/Name:\s+web\.default\.svc\.cluster\.local\s+Address:\s+10\.43\.0\.20/);
  }, 30_000);

  test("a headless Service gives its pod IPs; an unknown name NXDOMAIN", async () => {
    const r = await rt.execIn(client, ["nslookup", "db.default.svc.cluster.local", DNS]);
    expect(r.stdout).toContain("10.42.1.50");
    expect(r.stdout).toContain("10.42.1.51");
    const bad = await rt.execIn(client, ["sh", "-c", `nslookup nothere.default.svc.cluster.local ${DNS} 2>&1; true`]);
    expect(bad.stdout).toContain("NXDOMAIN");
  }, 30_000);

  test("SRV for a named port", async () => {
    const r = await rt.execIn(client, ["nslookup", "-type=SRV", "_http._tcp.web.default.svc.cluster.local", DNS]);
    expect(r.stdout).toContain("web.default.svc.cluster.local");
    expect(r.stdout).toMatch(/\b80\b/);
  }, 30_000);

  test("a pod made with the sandbox DNS flags resolves the short name through its search path", async () => {
    const cfg = podDnsConfig("default");
    const flags = [...cfg.nameservers.flatMap((n) => ["--dns", n]), ...cfg.searches.flatMap((s) => ["--dns-search", s]), ...cfg.options.flatMap((o) => ["--dns-option", o])];
    const { stdout } = await rt.driver.cli.run(["run", "--rm", "--network", "skiff-h1", ...flags, TEST_IMAGE_1, "sh", "-c", "cat /etc/resolv.conf; nslookup web"]);
    expect(stdout).toContain(`nameserver ${DNS}`);
    expect(stdout).toContain("search default.svc.cluster.local svc.cluster.local cluster.local");
    expect(stdout).toContain("options ndots:5");
    expect(stdout).toContain("10.43.0.20");
  }, 60_000);
});
