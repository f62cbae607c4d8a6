// A real three-host cluster inside network namespaces of the test's own: `skiff server`
// (with its embedded agent) on host A, `skiff agent` on hosts B and C, each with its own
// data dir and podman world, all joined over the hosts' shared segment. Through real
// kubectl: pods reach each other across the VXLAN overlay, a ClusterIP spreads over a
// Deployment's replicas, readiness takes a pod out of rotation, node ports answer on every
// host, cluster DNS resolves the Service, and a deleted Service leaves no rule behind.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { execa } from "execa";
import { createHosts, type TestHost, type TestHosts } from "../support/hosts.ts";
import { stopHostNodes, type HostNode } from "../support/host-nodes.ts";
import { eventually } from "../support/cluster.ts";
import { kubectlOk } from "../support/kubectl.ts";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { testImageArchive, TEST_IMAGE_1 } from "../support/images.ts";
import { findPodBridge } from "../../src/agent/network/bridge-address.ts";
import { firstHost } from "../../src/agent/runtime/podman-config.ts";

setDefaultTimeout(120_000);

type Node = HostNode;

let hosts: TestHosts;
let nodes: Node[] = [];
let kubeconfig = "";
const API_PORT = 6443;
/** Readiness probe period of the web replicas, in seconds. */
const READY_PERIOD = 2;

const k = (args: string[], input?: string) => kubectlOk(kubeconfig, args, { input, prefix: nodes[0]!.host.nsenter, timeoutMs: 90_000 });
const json = async (args: string[]) => JSON.parse(await k([...args, "-o", "json"]));
/** Runs a shell script in a pod's container through `kubectl exec`. */
const sh = (pod: string, script: string) => k(["exec", pod, "--", "sh", "-c", script]);
/** The kernel's uptime in seconds: one clock shared by the test and every container. */
const uptime = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);

async function seedImages(dataDir: string) {
  const dir = join(dataDir, "agent", "images");
  mkdirSync(dir, { recursive: true });
  const archive = await testImageArchive(1);
  copyFileSync(archive, join(dir, basename(archive)));
}

// httpd answering `/` with the pod's name, `/cgi-bin/ip` with the client address it sees
// (to tell NAT apart), and `/ready` while /tmp/w/ready exists (the readiness probe).
const SERVE = [
  "mkdir -p /tmp/w/cgi-bin",
  "hostname > /tmp/w/index.html",
  `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /tmp/w/cgi-bin/ip`,
  "chmod +x /tmp/w/cgi-bin/ip",
  "touch /tmp/w/ready",
  "exec httpd -f -p 8080 -h /tmp/w",
].join(" && ");

const podOn = (name: string, node: string, command: string[]) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { role: "probe" } },
  spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: TEST_IMAGE_1, command }] },
});

const webDeployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "web",
            image: TEST_IMAGE_1,
            command: ["sh", "-c", SERVE],
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: READY_PERIOD, failureThreshold: 1 },
          },
        ],
      },
    },
  },
};

const webService = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } };
const webNodePort = { apiVersion: "v1", kind: "Service", metadata: { name: "web-np" }, spec: { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] } };

/** Several objects as one JSON stream, which kubectl reads document by document. */
const list = (...objs: object[]) => objs.map((o) => JSON.stringify(o)).join("\n");

async function readyReplicas(): Promise<string[]> {
  const pods = (await json(["get", "pods", "-l", "app=web"])).items as any[];
  return pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True")).map((p) => p.metadata.name);
}

/** Pod names of `n` sequential requests to `url` from inside the client pod. */
async function askFromClient(url: string, n: number): Promise<string[]> {
  const out = await sh("client", `for i in $(seq ${n}); do timeout 3 wget -qO- ${url} || echo FAILED; done`);
  return out.split("\n").filter(Boolean);
}

function tally(answers: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return counts;
}

const nftRuleset = (h: TestHost) => hosts.exec(h, ["nft", "list", "ruleset"]).then((r) => r.stdout);

beforeAll(async () => {
  hosts = await createHosts("nc", 3);
  const [a, b, c] = hosts.hosts as [TestHost, TestHost, TestHost];
  nodes = [
    { name: "nc-a", host: a, dir: tempDir("skiff-nc-a-") },
    { name: "nc-b", host: b, dir: tempDir("skiff-nc-b-") },
    { name: "nc-c", host: c, dir: tempDir("skiff-nc-c-") },
  ];
  for (const n of nodes) await seedImages(n.dir);
  const [na, nb, nc] = nodes as [Node, Node, Node];

  // Each process lives in its host's namespace (nsenter keeps the mount namespace, so podman sees the cgroup tree).
  na.proc = spawnSkiff([...a.nsenter, ...skiffCommand("source")], ["server", "--data-dir", na.dir, "--https-listen-port", String(API_PORT), "--node-name", na.name, "--node-ip", a.ip]);
  await na.proc.waitFor(/ready at/, 90_000);
  kubeconfig = join(na.dir, "kubeconfig.yaml");
  const token = readFileSync(join(na.dir, "server", "token"), "utf8").trim();
  for (const n of [nb, nc]) {
    n.proc = spawnSkiff([...n.host.nsenter, ...skiffCommand("source")], ["agent", "--server", `https://${a.ip}:${API_PORT}`, "--token", token, "--data-dir", n.dir, "--node-name", n.name, "--node-ip", n.host.ip]);
  }
  await Promise.all([nb, nc].map((n) => n.proc!.waitFor(/skiff agent ready/, 90_000)));
  await eventually("three Ready nodes", async () => ((await k(["get", "nodes"])).match(/\sReady\s/g)?.length === 3 ? true : undefined), 90_000);
}, 240_000);

afterAll(() => stopHostNodes(nodes, hosts), 120_000);

describe("three-host cluster networking", () => {
  test("each node has its own pod subnet and publishes its VTEP on the Node", async () => {
    const items = (await json(["get", "nodes"])).items as any[];
    expect(items.map((n) => n.metadata.name).sort()).toEqual(["nc-a", "nc-b", "nc-c"]);
    const cidrs = items.map((n) => n.spec.podCIDR);
    expect(new Set(cidrs).size).toBe(3);
    for (const cidr of cidrs) expect(cidr).toMatch(/^10\.42\.\d+\.0\/24$/);
    for (const n of items) {
      const own = nodes.find((x) => x.name === n.metadata.name)!;
      expect(n.metadata.annotations?.["flannel.alpha.coreos.com/public-ip"]).toBe(own.host.ip);
      expect(JSON.parse(n.metadata.annotations?.["flannel.alpha.coreos.com/backend-data"] ?? "{}").VtepMAC).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    }
  });

  test("a pod on host B reaches a pod on host C by IP and back, seen with its own address", async () => {
    await k(["apply", "-f", "-"], list(podOn("pod-b", "nc-b", ["sh", "-c", SERVE]), podOn("pod-c", "nc-c", ["sh", "-c", SERVE]), podOn("client", "nc-a", ["sleep", "3600"])));
    await k(["wait", "--for=condition=Ready", "pod/pod-b", "pod/pod-c", "pod/client", "--timeout=90s"]);
    const ipOf = async (name: string) => (await json(["get", "pod", name])).status.podIP as string;
    const [ipB, ipC] = [await ipOf("pod-b"), await ipOf("pod-c")];
    const subnetOf = async (node: string) => (await json(["get", "node", node])).spec.podCIDR.replace(/\.0\/24$/, ".");
    expect(ipB.startsWith(await subnetOf("nc-b"))).toBe(true);
    expect(ipC.startsWith(await subnetOf("nc-c"))).toBe(true);
    const fetchFrom = (pod: string, url: string) => sh(pod, `for i in $(seq 30); do timeout 2 wget -qO- ${url} && exit 0; sleep 0.2; done; echo UNREACHABLE`).then((s) => s.trim().replace(/^\[::ffff:(.*)\]$/, "$1"));
    expect(await fetchFrom("pod-b", `http://${ipC}:8080/`)).toBe("pod-c");
    expect(await fetchFrom("pod-c", `http://${ipB}:8080/`)).toBe("pod-b");
    expect(await fetchFrom("pod-b", `http://${ipC}:8080/cgi-bin/ip`)).toBe(ipB);
    expect(await fetchFrom("pod-c", `http://${ipB}:8080/cgi-bin/ip`)).toBe(ipC);
  });

  let clusterIP = "";
  let nodePort = 0;

  test("a Deployment of 3 behind a ClusterIP answers from every replica, each 20-47 % of 300 requests", async () => {
    await k(["apply", "-f", "-"], list(webDeployment, webService, webNodePort));
    await k(["rollout", "status", "deployment/web", "--timeout=90s"]);
    clusterIP = (await json(["get", "service", "web"])).spec.clusterIP;
    nodePort = (await json(["get", "service", "web-np"])).spec.ports[0].nodePort;
    expect(clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    const replicas = (await readyReplicas()).sort();
    expect(replicas).toHaveLength(3);
    // The rules follow the EndpointSlice a moment after the pods turn Ready.
    await eventually("all 3 replicas behind the ClusterIP", async () => (tally(await askFromClient(`http://${clusterIP}/`, 30)).size === 3 ? true : undefined), 30_000);
    const answers = await askFromClient(`http://${clusterIP}/`, 300);
    expect(answers).toHaveLength(300);
    const counts = tally(answers);
    expect([...counts.keys()].sort()).toEqual(replicas);
    for (const n of counts.values()) {
      expect(n / 300).toBeGreaterThanOrEqual(0.2);
      expect(n / 300).toBeLessThanOrEqual(0.47);
    }
  });

  test("nslookup web.default.svc.cluster.local from inside a pod gives the ClusterIP", async () => {
    const out = await sh("client", "cat /etc/resolv.conf; nslookup web.default.svc.cluster.local");
    expect(out).toContain("nameserver 10.43.0.10");
    expect(out).toMatch(new RegExp(`Name:\\s+web\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${clusterIP.replace(/\./g, "\\.")}\\b`));
    // The short name through the pod's search path, from a pod on another host.
    expect(await sh("pod-b", "nslookup web")).toContain(clusterIP);
  });

  test("a NodePort answers on every host's address, from a client on the segment", async () => {
    const replicas = await readyReplicas();
    for (const n of nodes) {
      const r = await execa("ip", ["netns", "exec", hosts.parent, "busybox", "timeout", "5", "busybox", "wget", "-qO-", `http://${n.host.ip}:${nodePort}/`], { reject: false });
      expect(replicas).toContain(String(r.stdout).trim());
    }
  });

  test(`a failing readiness probe takes its pod out of rotation within 2 periods (${READY_PERIOD} s each)`, async () => {
    const replicas = (await readyReplicas()).sort();
    const victim = replicas[0]!;
    // The client asks continuously, stamping each answer with the shared kernel clock.
    const loop = sh("client", `end=$(( $(cut -d. -f1 /proc/uptime) + 12 )); while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do echo "$(cut -d' ' -f1 /proc/uptime) $(timeout 2 wget -qO- http://${clusterIP}/ || echo FAILED)"; sleep 0.05; done`);
    await Bun.sleep(2000);
    const removedAt = Number((await sh(victim, "rm /tmp/w/ready && cut -d' ' -f1 /proc/uptime")).trim());
    expect(removedAt).toBeGreaterThan(0);
    expect(removedAt).toBeLessThan(uptime());
    const samples = (await loop).split("\n").filter(Boolean).map((l) => {
      const [t, name] = l.split(" ");
      return { t: Number(t), name: name! };
    });
    expect(samples.some((s) => s.t < removedAt && s.name === victim)).toBe(true);
    const lastSeen = Math.max(...samples.filter((s) => s.name === victim).map((s) => s.t));
    console.log(`${victim} last answered ${(lastSeen - removedAt).toFixed(2)} s after its readiness file was removed`);
    expect(lastSeen - removedAt).toBeLessThanOrEqual(2 * READY_PERIOD);
    const after = samples.filter((s) => s.t > removedAt + 2 * READY_PERIOD);
    expect(after.length).toBeGreaterThan(20);
    expect(new Set(after.map((s) => s.name))).toEqual(new Set(replicas.filter((r) => r !== victim)));
    expect((await readyReplicas()).sort()).toEqual(replicas.filter((r) => r !== victim));
    // Readiness back: the pod returns to rotation.
    await sh(victim, "touch /tmp/w/ready");
    await eventually("the pod back in rotation", async () => (tally(await askFromClient(`http://${clusterIP}/`, 30)).has(victim) ? true : undefined), 30_000);
  });

  test("scaled to 0, the ClusterIP refuses connections at once", async () => {
    // Each node's pod bridge keeps its MAC while pods come and go: a moved gateway MAC
    // would leave the remaining pods' ARP entries stale and their traffic dropped.
    const bridgeMacs = async () => Promise.all(nodes.map(async (n) => (await findPodBridge(firstHost((await json(["get", "node", n.name])).spec.podCIDR), n.host.nsenter))?.address));
    const macsBefore = await bridgeMacs();
    expect(macsBefore.every((m) => !!m)).toBe(true);
    await k(["scale", "deployment/web", "--replicas=0"]);
    await eventually("no web pods", async () => ((await json(["get", "pods", "-l", "app=web"])).items.length === 0 ? true : undefined), 60_000);
    expect(await bridgeMacs()).toEqual(macsBefore);
    // Once the rules know the Service has no endpoint, every attempt is refused at once.
    const attempt = `s=$(cut -d' ' -f1 /proc/uptime); timeout 10 wget -qO- http://${clusterIP}/ 2>&1; echo "exit=$? took=$(echo "$(cut -d' ' -f1 /proc/uptime) - $s" | bc)"`;
    await eventually("a refused connection", async () => ((await sh("client", attempt)).includes("refused") ? true : undefined), 20_000);
    const out = await sh("client", `for i in 1 2 3 4 5; do ${attempt}; done`);
    expect(out.match(/Connection refused/g)).toHaveLength(5);
    expect(out.match(/exit=1/g)).toHaveLength(5);
    const took = [...out.matchAll(/took=([\d.]+)/g)].map((m) => Number(m[1]));
    expect(took).toHaveLength(5);
    for (const t of took) expect(t).toBeLessThan(0.5);
    const np = await execa("ip", ["netns", "exec", hosts.parent, "busybox", "timeout", "10", "busybox", "wget", "-qO-", `http://${nodes[1]!.host.ip}:${nodePort}/`], { reject: false });
    expect(String(np.stderr)).toContain("Connection refused");
  });

  test("after deleting the Services no rule of them is left on any host", async () => {
    await k(["scale", "deployment/web", "--replicas=3"]);
    await k(["rollout", "status", "deployment/web", "--timeout=90s"]);
    // The rules are there on every host before the deletion…
    for (const n of nodes) await eventually(`rules for web on ${n.name}`, async () => ((await nftRuleset(n.host)).includes(clusterIP) ? true : undefined), 20_000);
    const npIP = (await json(["get", "service", "web-np"])).spec.clusterIP as string;
    await k(["delete", "service", "web", "web-np"]);
    // …and gone from every host after it.
    for (const n of nodes) {
      const ruleset = await eventually(
        `no rule of web on ${n.name}`,
        async () => {
          const r = await nftRuleset(n.host);
          return [clusterIP, npIP, "default/web", `. ${nodePort} :`].some((s) => r.includes(s)) ? undefined : r;
        },
        20_000,
      );
      expect(ruleset).toContain("table ip skiff");
      expect(ruleset).not.toContain(clusterIP);
      expect(ruleset).not.toContain(npIP);
      expect(ruleset).not.toContain(String(nodePort));
    }
  });
});
