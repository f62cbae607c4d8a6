import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { nodeLifecycleController } from "../../../src/controllers/node-lifecycle.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { bindPod } from "../../../src/server/pod-subresources.ts";
import { eventually, readyNode, setPodReady, testCluster, type TestCluster } from "./cluster.ts";

const GRACE = 400;
const EVICTION = 800;
let c: TestCluster;
let informers: InformerFactory;
let controller: Controller;
let renewing: Set<string>;
let renewer: Timer;
const events: string[] = [];

async function renew(name: string) {
  const spec = { holderIdentity: name, leaseDurationSeconds: 1, renewTime: new Date().toISOString().replace("Z", "000Z") };
  const leases = c.kind("leases");
  if (c.registry.tryGet(leases, "kube-node-lease", name)) await c.registry.replace(leases, "kube-node-lease", name, (l) => ({ ...l!, spec }));
  else await c.registry.create(leases, "kube-node-lease", { metadata: { name }, spec });
}

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  renewing = new Set(["n1", "n2", "n3"]);
  for (const n of renewing) {
    await readyNode(c.registry, n);
    await renew(n);
  }
  renewer = setInterval(() => void Promise.all([...renewing].map(renew)).catch(() => {}), 100);
  controller = nodeLifecycleController(c.registry, informers, { node: c.kind("nodes"), pod: c.kind("pods"), lease: c.kind("leases") }, (_o, _t, reason, message) => void events.push(`${reason}: ${message}`), { gracePeriodMs: GRACE, evictionTimeoutMs: EVICTION });
  controller.start();
});
afterEach(async () => {
  clearInterval(renewer);
  await controller.stop();
  informers.stop();
  await c.close();
});

const node = (name: string) => c.registry.get(c.kind("nodes"), "", name);
const ready = (n: KubeObject) => ((n.status as any).conditions as any[]).find((x) => x.type === "Ready");
const taints = (n: KubeObject) => ((n.spec as any).taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();
const podOn = async (name: string, nodeName: string, tolerations?: unknown[]) => {
  await c.registry.create(c.kind("pods"), "default", { metadata: { name }, spec: { containers: [{ name: "a", image: "x" }], ...(tolerations ? { tolerations } : {}) } });
  await bindPod(c.registry, "default", name, nodeName);
  await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", name), true);
};
const disruptionTarget = (p: KubeObject | undefined) => (((p?.status as any)?.conditions ?? []) as any[]).find((x) => x.type === "DisruptionTarget");
const getPod = (name: string) => c.registry.tryGet(c.kind("pods"), "default", name);

describe("node lifecycle controller", () => {
  test("an unrenewed lease makes the node Unknown and tainted, its pods not ready, then evicted after the delay", async () => {
    await podOn("plain", "n3");
    await podOn("patient", "n3", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }]);
    await podOn("impatient", "n3", [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 0 }]);
    await podOn("elsewhere", "n1");
    const stoppedAt = Date.now();
    renewing.delete("n3");

    await eventually(() => ready(node("n3")).status === "Unknown", "n3 Unknown", 3000);
    const taintedAfter = Date.now() - stoppedAt;
    expect(taintedAfter).toBeGreaterThanOrEqual(GRACE - 120); // the last renewal may precede stoppedAt by one 100 ms tick
    expect(ready(node("n3"))).toMatchObject({ reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    await eventually(() => taints(node("n3")).length === 2, "taints");
    expect(taints(node("n3"))).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
    await eventually(() => ((getPod("patient")?.status as any)?.conditions ?? []).some((x: any) => x.type === "Ready" && x.status === "False"), "pods not ready");
    expect(events).toContain("NodeNotReady: Node n3 status is now: NodeNotReady");
    // Pods due for eviction are marked at once, so their controllers can replace them now.
    await eventually(() => disruptionTarget(getPod("plain"))?.reason === "DeletionByTaintManager", "plain pod marked as a disruption target");
    expect(disruptionTarget(getPod("patient"))).toBeUndefined();

    await eventually(() => !getPod("impatient"), "tolerationSeconds 0 evicted at once", 1000);
    expect(getPod("plain")).toBeDefined();
    const taintSeen = Date.now();
    await eventually(() => !getPod("plain"), "plain pod evicted", 3000);
    expect(Date.now() - taintSeen).toBeGreaterThanOrEqual(EVICTION - 300);
    expect(getPod("patient")).toBeDefined(); // tolerates the taint forever
    expect(getPod("elsewhere")).toBeDefined();
    expect(ready(node("n1")).status).toBe("True");

    renewing.add("n3");
    await eventually(() => taints(node("n3")).length === 0 && ready(node("n3")).status === "True", "n3 back", 3000);
    expect(events).toContain("NodeReady: Node n3 status is now: NodeReady");
  });

  test("no eviction while more than 55% of nodes are unreachable", async () => {
    await podOn("p2", "n2");
    await podOn("p3", "n3");
    renewing.delete("n2");
    renewing.delete("n3");
    await eventually(() => ready(node("n2")).status === "Unknown" && ready(node("n3")).status === "Unknown", "two nodes Unknown", 3000);
    await Bun.sleep(EVICTION + 600);
    expect(getPod("p2")).toBeDefined();
    expect(getPod("p3")).toBeDefined();
    expect(disruptionTarget(getPod("p3"))).toBeUndefined(); // not replaced either
    // One comes back: 1 of 3 down is below the threshold, evictions resume.
    renewing.add("n2");
    await eventually(() => !getPod("p3"), "p3 evicted once the cluster is mostly healthy", 3000);
    expect(getPod("p2")).toBeDefined();
  });

  test("a node back before the eviction delay keeps its pods, no longer marked for eviction", async () => {
    await controller.stop();
    controller = nodeLifecycleController(c.registry, informers, { node: c.kind("nodes"), pod: c.kind("pods"), lease: c.kind("leases") }, () => {}, { gracePeriodMs: GRACE, evictionTimeoutMs: 60_000 });
    controller.start();
    await podOn("p", "n3");
    renewing.delete("n3");
    await eventually(() => disruptionTarget(getPod("p")) !== undefined, "marked for eviction", 3000);
    renewing.add("n3");
    await eventually(() => ready(node("n3")).status === "True" && disruptionTarget(getPod("p")) === undefined, "mark removed", 3000);
    expect(getPod("p")).toBeDefined();
  });

  test("a cordoned node gets the unschedulable taint, removed on uncordon", async () => {
    await c.registry.replace(c.kind("nodes"), "", "n1", (n) => ({ ...n!, spec: { ...(n!.spec as object), unschedulable: true } }));
    await eventually(() => taints(node("n1")).includes("node.kubernetes.io/unschedulable:NoSchedule"), "tainted");
    await c.registry.replace(c.kind("nodes"), "", "n1", (n) => ({ ...n!, spec: { ...(n!.spec as object), unschedulable: false } }));
    await eventually(() => taints(node("n1")).length === 0, "untainted");
  });
});
