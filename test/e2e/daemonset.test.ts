// DaemonSets end to end with real kubectl and real podman: a daemon lands on both nodes and on
// a third joining later, rolls out a new image and back (rollout status/history/undo),
// stays on a node drained with --ignore-daemonsets while other pods are evicted, and its
// pods and revisions go with it on delete.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1, TEST_IMAGE_2 } from "../support/images.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(300_000);

let c: TestCluster;
const SERVER_NODE = "ds-server";
const NODE_B = "ds-b";
const NODE_C = "ds-c";
// Agents share the test's network namespace with the server: its overlay and proxy do.
const AGENT_FLAGS = ["--flannel-backend", "none", "--disable-kube-proxy"];

beforeAll(async () => {
  c = await startCluster("ds");
  await c.startAgent(NODE_B, AGENT_FLAGS);
  await eventually("two Ready nodes", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/g)?.length === 2 ? true : undefined));
}, 300_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const daemonSet = (image: string) =>
  JSON.stringify({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "collector" },
    spec: {
      selector: { matchLabels: { app: "collector" } },
      template: {
        metadata: { labels: { app: "collector" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "c", image, command: ["sh", "-c", "touch /tmp/up && exec sleep 3600"], readinessProbe: { exec: { command: ["cat", "/tmp/up"] }, periodSeconds: 1 } }],
        },
      },
    },
  });

type Pod = { metadata: { name: string }; spec: { nodeName?: string; containers: { image: string }[] }; status?: { phase?: string } };
const daemonPods = async () => (JSON.parse(await c.k(["get", "pods", "-l", "app=collector", "-o", "json"])).items as Pod[]);
const runningOn = async () => (await daemonPods()).filter((p) => p.status?.phase === "Running").map((p) => p.spec.nodeName!).sort();

describe("daemonsets", () => {
  test("one running pod on each node, then on a node that joins later", async () => {
    await c.k(["apply", "-f", "-"], daemonSet(TEST_IMAGE_1));
    expect(await c.k(["rollout", "status", "ds/collector", "--timeout=120s"])).toContain('daemon set "collector" successfully rolled out');
    expect(await runningOn()).toEqual([NODE_B, SERVER_NODE].sort());
    expect(await c.k(["get", "ds", "collector"])).toMatch(/collector\s+2\s+2\s+2\s+2\s+2\s+<none>\s+/);

    await c.startAgent(NODE_C, AGENT_FLAGS);
    await eventually("a running pod on the new node", async () => ((await runningOn()).includes(NODE_C) ? true : undefined), 120_000);
    await c.k(["rollout", "status", "ds/collector", "--timeout=120s"]);
    expect(await runningOn()).toEqual([NODE_B, NODE_C, SERVER_NODE].sort());
  });

  test("rollout to a new image, history, undo", async () => {
    await c.k(["set", "image", "ds/collector", `c=${TEST_IMAGE_2}`]);
    expect(await c.k(["rollout", "status", "ds/collector", "--timeout=180s"])).toContain("successfully rolled out");
    const images = async () => (await daemonPods()).filter((p) => p.status?.phase === "Running").map((p) => p.spec.containers[0]!.image);
    expect(await images()).toEqual([TEST_IMAGE_2, TEST_IMAGE_2, TEST_IMAGE_2]);
    expect(await c.k(["rollout", "history", "ds/collector"])).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await c.k(["rollout", "undo", "ds/collector"])).toContain("daemonset.apps/collector rolled back");
    await c.k(["rollout", "status", "ds/collector", "--timeout=180s"]);
    await eventually("all pods back on the first image", async () => {
      const now = await images();
      return now.length === 3 && now.every((i) => i === TEST_IMAGE_1) ? true : undefined;
    }, 120_000);
    expect(await c.k(["rollout", "history", "ds/collector"])).toMatch(/REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
  });

  test("drain --ignore-daemonsets evicts other pods and keeps the daemon", async () => {
    await c.k(["create", "deployment", "web", `--image=${TEST_IMAGE_1}`, "--replicas=3", "--", "sleep", "3600"]);
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    await c.k(["cordon", NODE_B]);
    const drained = await c.kr(["drain", NODE_B, "--ignore-daemonsets", "--timeout=120s"]);
    expect(drained.code).toBe(0);
    expect(drained.stderr).toContain("Warning: ignoring DaemonSet-managed Pods: default/collector-");
    await c.k(["rollout", "status", "deployment/web", "--timeout=120s"]);
    const web = JSON.parse(await c.k(["get", "pods", "-l", "app=web", "-o", "json"])).items as Pod[];
    expect(web.filter((p) => p.spec.nodeName === NODE_B)).toEqual([]);
    expect(await runningOn()).toContain(NODE_B);
    await c.k(["uncordon", NODE_B]);
    await c.k(["delete", "deployment", "web"]);
  });

  test("deleting the DaemonSet removes its pods and revisions", async () => {
    await c.k(["delete", "ds", "collector"]);
    await eventually("daemon pods gone", async () => ((await daemonPods()).length === 0 ? true : undefined), 120_000);
    await eventually("revisions gone", async () => ((await c.k(["get", "controllerrevisions", "-o", "name"])).trim() === "" ? true : undefined));
  });
});
