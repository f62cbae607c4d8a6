// Deployments end to end with real kubectl and real podman on two nodes: scale, rolling
// update (sampled: never below replicas − maxUnavailable available), history, undo,
// delete; then node failure (the pods come back elsewhere) and drain.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1, TEST_IMAGE_2 } from "../support/images.ts";
import { execa } from "execa";
import { skiffCommand } from "../support/process.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(300_000);

let c: TestCluster;
const NODE_B = "worker-b";

beforeAll(async () => {
  c = await startCluster("wl");
  // Both nodes share the test's network namespace: one overlay and one service proxy are enough.
  await c.startAgent(NODE_B, ["--flannel-backend", "none", "--disable-kube-proxy"]);
  await eventually("two Ready nodes", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/g)?.length === 2 ? true : undefined));
}, 300_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const deployment = (image: string, replicas: number) =>
  JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          terminationGracePeriodSeconds: 2,
          containers: [{ name: "web", image, command: ["sh", "-c", "mkdir -p /www && echo $HOSTNAME > /www/index.html && httpd -f -p 8080 -h /www"], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
        },
      },
    },
  });

const podsOf = async () => JSON.parse(await c.k(["get", "pods", "-l", "app=web", "-o", "json"])).items as any[];

describe("deployments", () => {
  test("a Deployment of 3 becomes available, spread over both nodes", async () => {
    await c.k(["apply", "-f", "-"], deployment(TEST_IMAGE_1, 3));
    expect(await c.k(["rollout", "status", "deployment/web", "--timeout=120s"])).toContain('deployment "web" successfully rolled out');
    const nodes = new Set((await podsOf()).map((p) => p.spec.nodeName));
    expect(nodes.size).toBe(2);
    expect(await c.k(["get", "deploy", "web"])).toMatch(/web\s+3\/3\s+3\s+3\s+/);
  });

  test("scale to 6", async () => {
    await c.k(["scale", "deployment/web", "--replicas=6"]);
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    expect((await podsOf()).filter((p) => p.status?.phase === "Running")).toHaveLength(6);
  });

  test("set image rolls out without dropping below replicas − maxUnavailable", async () => {
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const d = JSON.parse(await c.k(["get", "deploy", "web", "-o", "json"]));
        samples.push(d.status?.availableReplicas ?? 0);
        await Bun.sleep(300);
      }
    })();
    await c.k(["set", "image", "deployment/web", `web=${TEST_IMAGE_2}`]);
    expect(await c.k(["rollout", "status", "deployment/web", "--timeout=180s"])).toContain("successfully rolled out");
    sampling = false;
    await sampler;
    expect(samples.length).toBeGreaterThan(3);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(5);
    const images = new Set((await podsOf()).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image));
    expect([...images]).toEqual([TEST_IMAGE_2]);
  });

  test("rollout history shows 2 revisions; undo returns the first image on the first ReplicaSet", async () => {
    const history = await c.k(["rollout", "history", "deployment/web"]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    const before = JSON.parse(await c.k(["get", "rs", "-l", "app=web", "-o", "json"])).items as any[];
    const first = before.find((rs) => rs.metadata.annotations["deployment.kubernetes.io/revision"] === "1");
    expect(first).toBeDefined();
    await c.k(["rollout", "undo", "deployment/web"]);
    await c.k(["rollout", "status", "deployment/web", "--timeout=180s"]);
    const after = JSON.parse(await c.k(["get", "rs", "-l", "app=web", "-o", "json"])).items as any[];
    expect(after.map((rs) => rs.metadata.name).sort()).toEqual(before.map((rs) => rs.metadata.name).sort());
    const reused = after.find((rs) => rs.metadata.name === first.metadata.name);
    expect(reused.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("3");
    expect(reused.spec.replicas).toBe(6);
    const d = JSON.parse(await c.k(["get", "deploy", "web", "-o", "json"]));
    expect(d.spec.template.spec.containers[0].image).toBe(TEST_IMAGE_1);
  });

  test("deleting the Deployment leaves no ReplicaSet or pod", async () => {
    await c.k(["delete", "deployment", "web"]);
    await eventually("no pods or replicasets", async () => {
      const left = JSON.parse(await c.k(["get", "rs,pods", "-l", "app=web", "-o", "json"])).items;
      return left.length === 0 ? true : undefined;
    }, 120_000);
  });
});

describe("node failure and drain", () => {
  test("pods of a killed node come back on the other node; the node returns Ready without them", async () => {
    await c.k(["apply", "-f", "-"], deployment(TEST_IMAGE_1, 4));
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    const onB = (await podsOf()).filter((p) => p.spec.nodeName === NODE_B).map((p) => p.metadata.name);
    expect(onB.length).toBeGreaterThan(0);
    const b = c.agents.get(NODE_B)!;
    b.proc.proc.kill("SIGKILL");
    await b.proc.proc.exited;
    // A dead machine takes its containers with it.
    await execa(c.netns.prefix[0]!, [...c.netns.prefix.slice(1), ...skiffCommand("source"), "killall", "--data-dir", b.dir], { reject: false });
    const killedAt = Date.now();
    // Replacements start as soon as the node is unreachable; the lost pods' objects go after the eviction delay.
    await eventually("4 running pods off the dead node", async () => {
      const running = (await podsOf()).filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName !== NODE_B && p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
      return running.length === 4 ? true : undefined;
    }, 180_000, 500);
    console.log(`pods running elsewhere ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the node died`);
    const lost = (await podsOf()).filter((p) => onB.includes(p.metadata.name));
    expect(lost.length).toBeGreaterThan(0); // still there: evicted only after the delay
    expect(lost.every((p) => p.status?.conditions?.some((x: any) => x.type === "DisruptionTarget" && x.reason === "DeletionByTaintManager"))).toBe(true);
    await eventually("the lost pods evicted", async () => ((await podsOf()).every((p) => !onB.includes(p.metadata.name)) ? true : undefined), 120_000, 1000);
    console.log(`lost pods evicted ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the node died`);
    expect(await c.k(["get", "node", NODE_B])).toMatch(/NotReady/);
    await c.startAgent(NODE_B, ["--flannel-backend", "none", "--disable-kube-proxy"]);
    await eventually("node back Ready", async () => (/worker-b\s+Ready\s/.test(await c.k(["get", "node", NODE_B])) ? true : undefined));
    const node = JSON.parse(await c.k(["get", "node", NODE_B, "-o", "json"]));
    expect((node.spec.taints ?? []).filter((t: any) => t.key === "node.kubernetes.io/unreachable")).toHaveLength(0);
    expect((await podsOf()).filter((p) => onB.includes(p.metadata.name))).toHaveLength(0);
  });

  test("kubectl drain moves a node's pods away", async () => {
    await c.k(["scale", "deployment/web", "--replicas=6"]);
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    await eventually("a pod on the server node", async () => ((await podsOf()).some((p) => p.spec.nodeName === "wl-server") ? true : undefined));
    const out = await c.k(["drain", "wl-server", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s"]);
    expect(out).toContain("node/wl-server drained");
    const pods = (await podsOf()).filter((p) => !p.metadata.deletionTimestamp);
    expect(pods.every((p) => p.spec.nodeName === NODE_B)).toBe(true);
    expect(await c.k(["get", "node", "wl-server"])).toMatch(/SchedulingDisabled/);
    await c.k(["uncordon", "wl-server"]);
  });
});
