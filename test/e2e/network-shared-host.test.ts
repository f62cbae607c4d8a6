// Several nodes on one host, as k3d users and the node-failure benchmark run them: `skiff
// server` (with its embedded agent) and two `skiff agent` processes in one network
// namespace, with the default overlay (VXLAN) and service proxy. Nodes sharing the host's
// address reach each other's pods through their own bridges, not through the overlay;
// the agents share the cluster DNS address. Through real kubectl and real pods: no
// overlay or DNS errors in any log, readiness probes pass on every node, a rollout
// across the nodes completes, pods reach each other across the nodes and every node's
// pods resolve Services; cluster DNS keeps answering once the agent that listened first is gone.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { execa } from "execa";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { VXLAN_DEVICE } from "../../src/agent/network/overlay.ts";

setDefaultTimeout(180_000);

let c: TestCluster;
const NODES = ["shost-b", "shost-c", "shost-server"];
/** Log lines that tell a node's networking is broken. */
const NETWORK_ERRORS = /overlay sync failed|pod overlay not started|cluster DNS not started|service rules not applied|pod bridge address not pinned/;

// httpd answering `/` with the pod's name and `/ready` while /tmp/w/ready exists.
const SERVE = ["mkdir -p /tmp/w", "hostname > /tmp/w/index.html", "touch /tmp/w/ready", "exec httpd -f -p 8080 -h /tmp/w"].join(" && ");

const web = (version: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" }, annotations: { version } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "web",
            image: TEST_IMAGE_1,
            command: ["sh", "-c", SERVE],
            ports: [{ name: "http", containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      },
    },
  },
});
const webService = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } };

const json = async (args: string[]) => JSON.parse(await c.k([...args, "-o", "json"]));
const sh = (pod: string, script: string) => c.k(["exec", pod, "--", "sh", "-c", script]);
/** An HTTP request with busybox nc (its wget can crash in glibc's resolver inside a container). */
const httpGet = (ip: string, port: number) => `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} ${port}`;

type WebPod = { name: string; node: string; ip: string };
async function readyWebPods(): Promise<WebPod[]> {
  const items = (await json(["get", "pods", "-l", "app=web"])).items as any[];
  return items
    .filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"))
    .map((p) => ({ name: p.metadata.name, node: p.spec.nodeName, ip: p.status.podIP }));
}

const allLogs = () => [c.server, ...[...c.agents.values()].map((a) => a.proc)].map((p) => p.output()).join("\n");

beforeAll(async () => {
  c = await startCluster("shost");
  await c.startAgent("shost-b");
  await c.startAgent("shost-c");
  await eventually("three Ready nodes", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/g)?.length === 3 ? true : undefined), 90_000);
}, 240_000);

afterAll(async () => {
  await c?.stop();
}, 180_000);

describe("three nodes on one host", () => {
  test("each node has its own subnet; none is routed over the overlay on its own host, and no agent logs a network error", async () => {
    const nodes = (await json(["get", "nodes"])).items as any[];
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(NODES);
    const addresses = new Set(nodes.map((n) => n.status.addresses.find((a: any) => a.type === "InternalIP").address));
    expect(addresses.size).toBe(1);
    const cidrs = nodes.map((n) => n.spec.podCIDR as string);
    expect(new Set(cidrs).size).toBe(3);
    // Node changes (status, annotations) re-run every agent's overlay sync meanwhile.
    await Bun.sleep(12_000);
    const routes = (await execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), "ip", "route", "show"])).stdout;
    for (const cidr of cidrs) expect(routes).not.toMatch(new RegExp(`^${cidr.replace(/\./g, "\\.")} .*dev ${VXLAN_DEVICE.replace(".", "\\.")}`, "m"));
    const bad = allLogs().split("\n").filter((l) => NETWORK_ERRORS.test(l));
    expect(bad).toEqual([]);
  });

  test("a Deployment spread over the three nodes turns Ready by its readiness probes, and a rollout across them completes", async () => {
    await c.k(["apply", "-f", "-"], [web("1"), webService].map((o) => JSON.stringify(o)).join("\n"));
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    const first = await readyWebPods();
    expect(first.map((p) => p.node).sort()).toEqual(NODES);
    await c.k(["apply", "-f", "-"], JSON.stringify(web("2")));
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    const second = await eventually("three new Ready replicas", async () => {
      const pods = await readyWebPods();
      return pods.length === 3 && pods.every((p) => !first.some((f) => f.name === p.name)) ? pods : undefined;
    });
    expect(second.map((p) => p.node).sort()).toEqual(NODES);
    expect(allLogs().split("\n").filter((l) => NETWORK_ERRORS.test(l))).toEqual([]);
  });

  test("a pod on each node reaches the pods on the other two by IP", async () => {
    const pods = await readyWebPods();
    expect(pods).toHaveLength(3);
    for (const from of pods) {
      for (const to of pods.filter((p) => p !== from)) {
        const out = await sh(from.name, `for i in 1 2 3 4 5; do ${httpGet(to.ip, 8080)} && exit 0; sleep 1; done; echo UNREACHABLE`);
        expect(`${from.node} -> ${to.node}: ${out.trim().split("\n").pop()}`).toBe(`${from.node} -> ${to.node}: ${to.name}`);
      }
    }
  });

  test("cluster DNS and the ClusterIP answer pods of every node", async () => {
    const clusterIP = (await json(["get", "service", "web"])).spec.clusterIP as string;
    const pods = await readyWebPods();
    const names = pods.map((p) => p.name);
    const seen: string[] = [];
    for (const p of pods) {
      const lookup = await c.kr(["exec", p.name, "--", "nslookup", "web.default.svc.cluster.local"]);
      const resolved = new RegExp(`Address:\\s+${clusterIP.replace(/\./g, "\\.")}\\b`).test(lookup.stdout);
      // The old replicas of the rollout may still be leaving the rules: a few attempts.
      const out = await sh(p.name, `for i in 1 2 3 4 5; do out=$(${httpGet(clusterIP, 80)}); [ -n "$out" ] && { echo "$out"; exit 0; }; sleep 1; done; echo UNREACHABLE`);
      const answer = out.trim().split("\n").pop() ?? "";
      seen.push(`${p.node}: ${resolved ? "resolved" : `${lookup.stdout}${lookup.stderr}`}, ${names.includes(answer) ? "answered" : answer}`);
    }
    expect(seen.sort()).toEqual(NODES.map((n) => `${n}: resolved, answered`));
  });

  test("with the server's agent (the first to listen) and a second agent gone, the last one answers every DNS query", async () => {
    const clusterIP = (await json(["get", "service", "web"])).spec.clusterIP as string;
    for (const p of [c.server.proc, c.agents.get("shost-b")!.proc.proc]) {
      p.kill("SIGKILL");
      await p.exited;
    }
    // Each lookup comes from a new source port, so a socket left behind by a dead agent would be hit by some.
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), "busybox", "timeout", "5", "busybox", "nslookup", "web.default.svc.cluster.local", "10.43.0.10"], { reject: false });
      answers.push(r.exitCode === 0 && String(r.stdout).includes(clusterIP) ? "ok" : `failed: ${r.stdout}${r.stderr}`);
    }
    expect(answers).toEqual(Array(10).fill("ok"));
  });
});
