// DaemonSets through real kubectl against an in-process server running its scheduler and
// controllers, with hollow nodes playing the node agents (pods go Running and Ready at once,
// deletions are confirmed): get columns, rollout status/history/undo, ControllerRevisions,
// cordon + drain --ignore-daemonsets through evictions, orphan and foreground deletes,
// and a Status for bad input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, apiFetch, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { startHollowNodes, type HollowNodes } from "../../src/hollow/hollow-nodes.ts";

let server: TestServer;
let hollow: HollowNodes;
const k = (args: string[], input?: string) => kubectlOk(server.kubeconfigPath, args, { input, timeoutMs: 90_000 });

beforeAll(async () => {
  server = await startTestServer({ runControllers: true });
  hollow = await startHollowNodes(server.registry, { count: 3, namePrefix: "edge-", leaseRenewMs: 2000 });
});
afterAll(async () => {
  await hollow?.stop();
  await server?.cleanup();
});

const manifest = (name: string, image: string, extra = "") => `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: d
        image: ${image}
${extra}`;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}
const podImages = async (selector: string) => (await k(["get", "pods", "-l", selector, "-o", "jsonpath={.items[*].spec.containers[0].image}"])).split(" ").filter(Boolean).sort();

describe("DaemonSet through kubectl", () => {
  test("rollout status, get columns, history, undo and controllerrevisions", async () => {
    await k(["apply", "-f", "-"], manifest("agent", "localhost/agent:1"));
    expect(await k(["rollout", "status", "daemonset/agent", "--timeout=60s"])).toContain('daemon set "agent" successfully rolled out');
    const table = (await k(["get", "ds", "agent"])).split("\n");
    expect(table[0]!.split(/\s{2,}/)).toEqual(["NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"]);
    expect(table[1]!.split(/\s+/).slice(0, 7)).toEqual(["agent", "3", "3", "3", "3", "3", "<none>"]);
    const described = await k(["describe", "ds", "agent"]);
    expect(described).toMatch(/Desired Number of Nodes Scheduled: 3\nCurrent Number of Nodes Scheduled: 3\nNumber of Nodes Scheduled with Up-to-date Pods: 3\nNumber of Nodes Scheduled with Available Pods: 3\nNumber of Nodes Misscheduled: 0\nPods Status:\s+3 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: agent-/);
    const nodes = (await k(["get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}"])).split(" ").sort();
    expect(nodes).toEqual(["edge-0", "edge-1", "edge-2"]);

    await k(["annotate", "ds/agent", "kubernetes.io/change-cause=image 2"]);
    await k(["set", "image", "ds/agent", "d=localhost/agent:2"]);
    expect(await k(["rollout", "status", "ds/agent", "--timeout=60s"])).toContain("successfully rolled out");
    expect(await podImages("app=agent")).toEqual(["localhost/agent:2", "localhost/agent:2", "localhost/agent:2"]);
    const history = await k(["rollout", "history", "ds/agent"]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+image 2/);
    expect(await k(["rollout", "history", "ds/agent", "--revision=1"])).toContain("localhost/agent:1");
    const revisions = await k(["get", "controllerrevisions"]);
    expect(revisions.split("\n")[0]!.split(/\s{2,}/)).toEqual(["NAME", "CONTROLLER", "REVISION", "AGE"]);
    expect(revisions).toMatch(/agent-\w+\s+daemonset\.apps\/agent\s+2/);

    expect(await k(["rollout", "undo", "ds/agent"])).toContain("daemonset.apps/agent rolled back");
    expect(await k(["rollout", "status", "ds/agent", "--timeout=60s"])).toContain("successfully rolled out");
    await until("pods back on image 1", async () => (await podImages("app=agent")).join() === "localhost/agent:1,localhost/agent:1,localhost/agent:1");
    await until("revision 1 renumbered to 3", async () => /REVISION\s+CHANGE-CAUSE\n2\s+image 2\n3\s+<none>/.test(await k(["rollout", "history", "ds/agent"])));
  });

  test("cordon and drain --ignore-daemonsets evict other pods and leave the daemon", async () => {
    await k(["create", "deployment", "web", "--image=localhost/web:1", "--replicas=3"]);
    await k(["rollout", "status", "deployment/web", "--timeout=60s"]);
    expect(await k(["cordon", "edge-1"])).toContain("node/edge-1 cordoned");
    // Without the flag drain refuses, naming the DaemonSet pod.
    const refused = await kubectl(server.kubeconfigPath, ["drain", "edge-1", "--timeout=30s"], { timeoutMs: 60_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)");
    const drained = await kubectl(server.kubeconfigPath, ["drain", "edge-1", "--ignore-daemonsets", "--timeout=60s"], { timeoutMs: 90_000 });
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain("node/edge-1 drained");
    expect(drained.stderr).toMatch(/Warning: ignoring DaemonSet-managed Pods: default\/agent-\w+/);
    // Through the eviction subresource (a plain delete prints "deleted").
    expect(drained.stdout).toMatch(/pod\/web-[\w-]+ evicted/);
    const onEdge1 = await k(["get", "pods", "--field-selector", "spec.nodeName=edge-1", "-o", "jsonpath={.items[*].metadata.labels.app}"]);
    expect(onEdge1.trim()).toBe("agent");
    await k(["rollout", "status", "deployment/web", "--timeout=60s"]);
    const webNodes = (await k(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}"])).split(" ");
    expect(webNodes).not.toContain("edge-1");
    expect(await k(["uncordon", "edge-1"])).toContain("node/edge-1 uncordoned");
    await k(["delete", "deployment", "web"]);
  });

  test("orphan delete keeps the pods; foreground delete removes pods and revisions first", async () => {
    await k(["apply", "-f", "-"], manifest("orph", "localhost/agent:1"));
    await k(["rollout", "status", "ds/orph", "--timeout=60s"]);
    await k(["delete", "ds", "orph", "--cascade=orphan"]);
    await until("orphaned pods released", async () => {
      const refs = await k(["get", "pods", "-l", "app=orph", "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.ownerReferences}{\"\\n\"}{end}"]);
      const lines = refs.trim().split("\n");
      return lines.length === 3 && lines.every((l) => l.endsWith("="));
    });
    await k(["delete", "pods", "-l", "app=orph"]);

    await k(["apply", "-f", "-"], manifest("fg", "localhost/agent:1"));
    await k(["rollout", "status", "ds/fg", "--timeout=60s"]);
    await k(["delete", "ds", "fg", "--cascade=foreground", "--timeout=60s"]);
    expect(await k(["get", "pods", "-l", "app=fg", "-o", "name"])).toBe("");
    expect(await k(["get", "controllerrevisions", "-l", "app=fg", "-o", "name"])).toBe("");
  });

  test("bad DaemonSets get a 422 Status naming the field", async () => {
    const bad = await kubectl(server.kubeconfigPath, ["apply", "-f", "-"], { input: manifest("bad", "x").replace("matchLabels: {app: bad}", "matchLabels: {app: other}"), timeoutMs: 60_000 });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"bad\"}: `selector` does not match template `labels`");
    const res = await apiFetch(server, "/apis/apps/v1/namespaces/default/daemonsets", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ metadata: { name: "zero" }, spec: { selector: { matchLabels: { a: "b" } }, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } } } }),
    });
    expect(res.status).toBe(422);
    const status = (await res.json()) as { kind: string; message: string };
    expect(status.kind).toBe("Status");
    expect(status.message).toContain("spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0");
    const wrongType = await apiFetch(server, "/apis/apps/v1/namespaces/default/daemonsets", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ metadata: { name: "t" }, spec: { minReadySeconds: "soon" } }) });
    expect(wrongType.status).toBe(400);
  });
});
