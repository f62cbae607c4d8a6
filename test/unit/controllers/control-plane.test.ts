import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { startControlPlaneLoops, type ControlPlaneLoops } from "../../../src/controllers/index.ts";
import { startHollowNodes, type HollowNodes } from "../../../src/hollow/hollow-nodes.ts";
import { eventually, podTemplate, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let loops: ControlPlaneLoops;
let hollow: HollowNodes;

beforeEach(async () => {
  c = await testCluster();
  hollow = await startHollowNodes(c.registry, { count: 3, leaseRenewMs: 1000 });
  loops = startControlPlaneLoops(c.registry, { nodeMonitorGracePeriodMs: 5000, podEvictionTimeoutMs: 5000 });
});
afterEach(async () => {
  await hollow.stop();
  await loops.stop();
  await c.close();
});

const pods = () => c.registry.list(c.kind("pods"), "default").items;

describe("startControlPlaneLoops", () => {
  test("a Deployment is scheduled across nodes, runs, gets endpoints and events, and is removed with everything it made", async () => {
    await c.registry.create(c.kind("services"), "default", { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } });
    await c.registry.create(c.kind("deployments"), "default", { metadata: { name: "web" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: podTemplate({ app: "web" }) } });
    await eventually(() => ((c.registry.get(c.kind("deployments"), "default", "web").status as any)?.availableReplicas === 3), "3 available", 10_000);
    expect(new Set(pods().map((p) => (p.spec as any).nodeName)).size).toBe(3); // spread over the three nodes
    await eventually(() => (c.registry.tryGet(c.kind("endpoints"), "default", "web") as any)?.subsets?.[0]?.addresses?.length === 3, "3 endpoint addresses");

    const reasons = () => new Set(c.registry.list(c.kind("events"), "default").items.map((e: any) => e.reason));
    await eventually(() => ["ScalingReplicaSet", "SuccessfulCreate", "Scheduled"].every((r) => reasons().has(r)), "events recorded");

    await c.registry.delete(c.kind("deployments"), "default", "web");
    await eventually(() => c.registry.list(c.kind("replicasets"), "default").items.length === 0 && pods().length === 0, "replica sets and pods gone", 10_000);
  });
});
