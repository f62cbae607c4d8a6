// ClusterIPs on a node with no default route, as on an offline edge device: `skiff server`
// (with its embedded agent) in a network namespace of the test's own that has only its
// loopback and the pod bridge, and a --service-cidr of its own, which the node learns from
// the server. A Service answers a connection from the node itself and from a pod; it still
// does once the node has a default route; `skiff killall` removes the route it needed.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { execa } from "execa";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { skiffCommand } from "../support/process.ts";

setDefaultTimeout(180_000);

const SERVICE_CIDR = "10.96.0.0/16";
let c: TestCluster;
let clusterIP = "";
let replicas: string[] = [];

const SERVE = ["mkdir -p /tmp/w", "hostname > /tmp/w/index.html", "exec httpd -f -p 8080 -h /tmp/w"].join(" && ");
const objects = [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "web", image: TEST_IMAGE_1, command: ["sh", "-c", SERVE], ports: [{ name: "http", containerPort: 8080 }] }] } },
    },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } },
  { apiVersion: "v1", kind: "Pod", metadata: { name: "client" }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: TEST_IMAGE_1, command: ["sleep", "3600"] }] } },
];

const REQUEST = "GET / HTTP/1.0\r\n\r\n";
/** Runs a command in the node's network namespace. */
const inNode = (cmd: string[], input?: string) => execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), ...cmd], { input, reject: false, timeout: 90_000 });
/** An HTTP request from the node itself with busybox nc: the last line of the answer (the pod's name), or the error. */
async function askFromNode(ip: string): Promise<string> {
  const r = await inNode(["busybox", "timeout", "5", "busybox", "nc", "-w", "3", ip, "80"], REQUEST);
  return String(r.stdout).trim().split("\n").pop() || String(r.stderr).trim();
}

beforeAll(async () => {
  if (!Bun.which("busybox")) throw new Error("busybox not found: apt-get install -y busybox-static");
  c = await startCluster("nodefroute", { serverArgs: ["--service-cidr", SERVICE_CIDR] });
}, 180_000);

afterAll(async () => {
  await c?.stop();
}, 180_000);

describe("a node with no default route", () => {
  test("the namespace has no default route, and a Service gets a ClusterIP from the server's --service-cidr", async () => {
    expect((await inNode(["ip", "route", "show", "default"])).stdout.trim()).toBe("");
    await c.k(["apply", "-f", "-"], objects.map((o) => JSON.stringify(o)).join("\n"));
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    await c.k(["wait", "--for=condition=Ready", "pod/client", "--timeout=90s"]);
    clusterIP = JSON.parse(await c.k(["get", "service", "web", "-o", "json"])).spec.clusterIP;
    expect(clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    replicas = (JSON.parse(await c.k(["get", "pods", "-l", "app=web", "-o", "json"])).items as any[]).map((p) => p.metadata.name).sort();
    expect(replicas).toHaveLength(2);
  });

  test("the ClusterIP answers a connection from the node itself", async () => {
    // The rules follow the EndpointSlice a moment after the pods turn Ready.
    const first = await eventually("an answer through the ClusterIP", async () => {
      const a = await askFromNode(clusterIP);
      return replicas.includes(a) ? a : undefined;
    }, 30_000).catch(async (e) => {
      throw new Error(`${(e as Error).message}; last attempt: ${await askFromNode(clusterIP)}`);
    });
    expect(replicas).toContain(first);
    const answers = new Set<string>();
    for (let i = 0; i < 10; i++) answers.add(await askFromNode(clusterIP));
    expect([...answers].filter((a) => !replicas.includes(a))).toEqual([]);
  });

  test("the ClusterIP answers a connection from a pod", async () => {
    const out = await c.k(["exec", "client", "--", "sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${clusterIP} 80`]);
    expect(replicas).toContain(out.trim().split("\n").pop() ?? "");
  });

  test("with a default route added, the ClusterIP still answers the node", async () => {
    // A veth pair inside the test's namespace: the default route leads nowhere outside it.
    expect((await inNode(["ip", "link", "add", "skf-up", "type", "veth", "peer", "name", "skf-up-peer"])).exitCode).toBe(0);
    try {
      for (const cmd of [["ip", "addr", "add", "192.168.251.1/24", "dev", "skf-up"], ["ip", "link", "set", "skf-up", "up"], ["ip", "link", "set", "skf-up-peer", "up"], ["ip", "route", "add", "default", "via", "192.168.251.2"]]) {
        expect((await inNode(cmd)).exitCode).toBe(0);
      }
      for (let i = 0; i < 5; i++) expect(replicas).toContain(await askFromNode(clusterIP));
    } finally {
      await inNode(["ip", "link", "delete", "skf-up"]);
    }
  });

  test("skiff killall removes the service CIDR's route", async () => {
    const localRoutes = async () => (await inNode(["ip", "route", "show", "table", "local"])).stdout;
    expect(await localRoutes()).toContain(`local ${SERVICE_CIDR} dev lo`);
    c.server.proc.kill("SIGKILL");
    await c.server.proc.exited;
    const r = await inNode([...skiffCommand("source"), "killall", "--data-dir", c.serverDir]);
    expect(r.exitCode).toBe(0);
    expect(await localRoutes()).not.toContain(SERVICE_CIDR);
    expect(await askFromNode(clusterIP)).toMatch(/unreachable/i);
  });
});
