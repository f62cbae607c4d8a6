// The service proxy's rules in a host namespace of the test's own, in front of real podman
// containers: even spread over 3 backends, node ports from another host, ClientIP
// affinity, instant refusal without endpoints, and no rule left after removal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { applyServiceRules, removeServiceRules } from "../../src/agent/network/service-proxy.ts";
import { buildProxyModel, type EndpointSliceLike, type ServiceLike } from "../../src/agent/network/proxy-model.ts";
import { createHosts, startHostRuntime, type HostRuntime, type TestHosts, type TestPod } from "../support/hosts.ts";

const CLUSTER_CIDR = "10.42.0.0/16";
const VIP = "10.43.0.20";
let hosts: TestHosts;
let rt: HostRuntime;
let backends: TestPod[] = [];
let client: TestPod;

const webService = (affinity = false): ServiceLike => ({
  metadata: { namespace: "default", name: "web" },
  spec: { type: "NodePort", clusterIP: VIP, sessionAffinity: affinity ? "ClientIP" : "None", ports: [{ name: "http", protocol: "TCP", port: 80, nodePort: 30080 }] },
});
const sliceOf = (pods: TestPod[]): EndpointSliceLike => ({
  metadata: { namespace: "default", name: "web-x1", labels: { "kubernetes.io/service-name": "web" } },
  addressType: "IPv4",
  ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true } })),
});
const apply = (services: ServiceLike[], slices: EndpointSliceLike[]) => applyServiceRules(buildProxyModel(services, slices), { clusterCidr: CLUSTER_CIDR, commandPrefix: hosts.hosts[0]!.prefix });

/** Answers (pod names) of `n` sequential requests made from inside the client pod. */
async function askFromPod(url: string, n: number): Promise<string[]> {
  const r = await rt.execIn(client, ["sh", "-c", `for i in $(seq ${n}); do timeout 3 wget -qO- ${url} || echo FAILED; done`]);
  return r.stdout.split("\n").filter(Boolean);
}

beforeAll(async () => {
  hosts = await createHosts("svc", 2);
  rt = await startHostRuntime(hosts.hosts[0]!, "10.42.1.0/24");
  const serve = ["sh", "-c", "mkdir -p /tmp/w && hostname > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"];
  for (const name of ["web-a", "web-b", "web-c"]) backends.push(await rt.runPod(name, serve));
  client = await rt.runPod("client", ["sleep", "3600"]);
  // Backends are up once they answer directly.
  for (const b of backends) {
    const r = await rt.execIn(client, ["sh", "-c", `for i in $(seq 50); do timeout 1 wget -qO- http://${b.ip}:8080/ && exit 0; sleep 0.1; done; exit 1`]);
    expect(r.stdout.trim()).toBe(b.name);
  }
}, 180_000);

afterAll(async () => {
  await rt?.destroy();
  await hosts?.destroy();
}, 60_000);

describe("service proxy on nftables", () => {
  test("a ClusterIP spreads 300 connections over 3 backends, each 20-47 %", async () => {
    await apply([webService()], [sliceOf(backends)]);
    const answers = await askFromPod(`http://${VIP}/`, 300);
    expect(answers).toHaveLength(300);
    const counts = new Map<string, number>();
    for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(["web-a", "web-b", "web-c"]);
    for (const c of counts.values()) {
      expect(c / 300).toBeGreaterThanOrEqual(0.2);
      expect(c / 300).toBeLessThanOrEqual(0.47);
    }
  }, 120_000);

  test("the node itself reaches the ClusterIP (output hook), another host the node port", async () => {
    await apply([webService()], [sliceOf(backends)]);
    const local = await hosts.exec(hosts.hosts[0]!, ["busybox", "timeout", "3", "busybox", "wget", "-qO-", `http://${VIP}/`]);
    expect(["web-a", "web-b", "web-c"]).toContain(local.stdout.trim());
    const remote = await hosts.exec(hosts.hosts[1]!, ["busybox", "timeout", "3", "busybox", "wget", "-qO-", `http://${hosts.hosts[0]!.ip}:30080/`]);
    expect(["web-a", "web-b", "web-c"]).toContain(remote.stdout.trim());
  }, 60_000);

  test("sessionAffinity ClientIP keeps one client on one backend", async () => {
    await apply([webService(true)], [sliceOf(backends)]);
    const answers = await askFromPod(`http://${VIP}/`, 30);
    expect(answers).toHaveLength(30);
    expect(new Set(answers).size).toBe(1);
    expect(["web-a", "web-b", "web-c"]).toContain(answers[0]!);
  }, 60_000);

  test("without a ready endpoint the connection is refused at once", async () => {
    await apply([webService()], [sliceOf([])]);
    const started = performance.now();
    const r = await rt.execIn(client, ["sh", "-c", `timeout 10 wget -qO- http://${VIP}/ 2>&1; echo exit=$?`]);
    const ms = performance.now() - started;
    expect(r.stdout).toContain("Connection refused");
    expect(r.stdout).toContain("exit=1");
    expect(ms).toBeLessThan(2000);
    const np = await hosts.exec(hosts.hosts[1]!, ["sh", "-c", `busybox timeout 10 busybox wget -qO- http://${hosts.hosts[0]!.ip}:30080/ 2>&1; true`]);
    expect(np.stdout).toContain("Connection refused");
  }, 60_000);

  test("one endpoint back: traffic flows again; removing the Service leaves no rule of it", async () => {
    await apply([webService()], [sliceOf([backends[1]!])]);
    expect(await askFromPod(`http://${VIP}/`, 5)).toEqual(Array(5).fill("web-b"));
    await apply([], []);
    const { stdout } = await hosts.exec(hosts.hosts[0]!, ["nft", "list", "ruleset"]);
    expect(stdout).toContain("table ip skiff");
    for (const gone of [VIP, "default/web", "30080", backends[1]!.ip]) expect(stdout).not.toContain(gone);
    await removeServiceRules({ commandPrefix: hosts.hosts[0]!.prefix });
    expect((await hosts.exec(hosts.hosts[0]!, ["nft", "list", "ruleset"])).stdout).not.toContain("table ip skiff");
  }, 60_000);
});
