// The HPA controller on a real registry and store, with a stand-in metrics source: it
// writes the target's scale, its status and conditions as upstream's does, and reports a
// target that is gone or scaled to zero. Each case needs one sync: the one a new HPA gets at once.
import { afterEach, beforeEach, expect, test } from "bun:test";
import type { KubeObject } from "../../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../../src/controllers/runtime/informer.ts";
import { hpaController } from "../../../../src/controllers/hpa/hpa-controller.ts";
import type { Controller } from "../../../../src/controllers/runtime/controller.ts";
import type { PodUsage } from "../../../../src/server/metrics/resource-stats.ts";
import { eventually, testCluster, type TestCluster } from "../cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let controller: Controller;
let usage: PodUsage[] = [];
const events: string[] = [];
const LONG_AGO = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  controller = hpaController(c.registry, informers, { hpa: c.kind("horizontalpodautoscalers"), pod: c.kind("pods") }, (o, type, reason, message) => events.push(`${type} ${reason} ${message}`), { podUsage: () => usage, syncPeriodMs: 60_000 });
  controller.start();
});
afterEach(async () => {
  await controller.stop();
  informers.stop();
  await c.close();
});

async function deploymentWithPods(name: string, replicas: number, cpuRequest: string | undefined, cpuUse: number) {
  await c.registry.create(c.kind("deployments"), "default", { metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "localhost/app:1" }] } } } });
  usage = [];
  for (let i = 0; i < replicas; i++) {
    const pod = await c.registry.create(c.kind("pods"), "default", { metadata: { name: `${name}-${i}`, labels: { app: name } }, spec: { containers: [{ name: "app", image: "localhost/app:1", ...(cpuRequest ? { resources: { requests: { cpu: cpuRequest } } } : {}) }] } });
    await c.registry.replace(c.kind("pods"), "default", pod.metadata.name!, (p) => ({ ...p!, status: { phase: "Running", startTime: LONG_AGO, conditions: [{ type: "Ready", status: "True", lastTransitionTime: LONG_AGO }] } }), {}, "status");
    usage.push({ namespace: "default", name: `${name}-${i}`, timestamp: new Date().toISOString(), at: Date.now(), windowSeconds: 15, containers: [{ name: "app", cpuCores: cpuUse, memoryBytes: 1 << 20 }] });
  }
}

const hpa = (name: string, extra: object = {}) =>
  c.registry.create(c.kind("horizontalpodautoscalers"), "default", { metadata: { name }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }], ...extra } });
const get = (plural: string, name: string) => c.registry.tryGet(c.kind(plural), "default", name) as (KubeObject & { spec: any; status: any }) | undefined;
const cond = (name: string, type: string) => get("horizontalpodautoscalers", name)?.status?.conditions?.find((x: any) => x.type === type);

test("100 % of requests against a 50 % target doubles the replicas, written through the scale", async () => {
  await deploymentWithPods("web", 2, "100m", 0.1);
  await hpa("web");
  await eventually(() => get("deployments", "web")!.spec.replicas === 4, "web scaled to 4");
  const h = get("horizontalpodautoscalers", "web")!;
  expect(h.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 100, averageValue: "100m" } } }] });
  expect(h.status.lastScaleTime).toBeDefined();
  expect(cond("web", "AbleToScale")).toMatchObject({ status: "True", reason: "SucceededRescale", message: "the HPA controller was able to update the target scale to 4" });
  expect(cond("web", "ScalingActive")).toMatchObject({ status: "True", reason: "ValidMetricFound", message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)" });
  expect(cond("web", "ScalingLimited")).toMatchObject({ status: "False", reason: "DesiredWithinRange" });
  expect(events).toContain("Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target");
});

test("maxReplicas caps the proposal and ScalingLimited says TooManyReplicas", async () => {
  await deploymentWithPods("big", 2, "100m", 0.5);
  await hpa("big", { maxReplicas: 3 });
  await eventually(() => get("deployments", "big")!.spec.replicas === 3, "big scaled to 3");
  await eventually(() => cond("big", "ScalingLimited")?.reason === "TooManyReplicas", "TooManyReplicas");
});

test("no requests: ScalingActive False with upstream's reason and message, and no scale write", async () => {
  await deploymentWithPods("noreq", 1, undefined, 0.1);
  await hpa("noreq");
  const active = await eventually(() => cond("noreq", "ScalingActive")?.status === "False" && cond("noreq", "ScalingActive"), "ScalingActive False");
  expect(active).toMatchObject({ reason: "FailedGetResourceMetric", message: "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod noreq-0" });
  expect(events).toContain("Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: missing request for cpu in container app of Pod noreq-0");
  expect(get("deployments", "noreq")!.spec.replicas).toBe(1);
});

test("a deleted target: AbleToScale False FailedGetScale; a target scaled to 0: ScalingActive False ScalingDisabled", async () => {
  await hpa("ghost");
  const able = await eventually(() => cond("ghost", "AbleToScale")?.status === "False" && cond("ghost", "AbleToScale"), "FailedGetScale");
  expect(able).toMatchObject({ reason: "FailedGetScale", message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "ghost" not found' });
  expect(events).toContain('Warning FailedGetScale deployments.apps "ghost" not found');

  await deploymentWithPods("zero", 0, "100m", 0);
  await hpa("zero");
  await eventually(() => cond("zero", "ScalingActive")?.reason === "ScalingDisabled", "ScalingDisabled");
  expect(get("deployments", "zero")!.spec.replicas).toBe(0);
});

test("below minReplicas the target is raised at once, whatever the metrics", async () => {
  await deploymentWithPods("few", 1, "100m", 0);
  await hpa("few", { minReplicas: 3 });
  await eventually(() => get("deployments", "few")!.spec.replicas === 3, "few raised to 3");
  expect(events).toContain("Normal SuccessfulRescale New size: 3; reason: Current number of replicas below Spec.MinReplicas");
});
