// PodDisruptionBudgets and the eviction API against a real server with its controllers:
// the disruption controller's status (expected/desired/current healthy, disruptions
// allowed, the DisruptionAllowed condition) for bare pods and for a Deployment's scale,
// evictions allowed then answered 429 with the DisruptionBudget cause through the official
// client, and real `kubectl drain` blocked by a budget, then allowed.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { startTestServer, type TestServer } from "../support/server.ts";
import { rejection } from "../support/rejection.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
let policy: k8s.PolicyV1Api;
let apps: k8s.AppsV1Api;
const NS = "pdb";

beforeAll(async () => {
  // Controllers on, nodes never judged unreachable during the test.
  server = await startTestServer({ runControllers: true, nodeMonitorGracePeriodMs: 600_000, podEvictionTimeoutMs: 600_000 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  policy = kc.makeApiClient(k8s.PolicyV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNode({ body: { metadata: { name: "n1" } } });
  for (const name of ["db-0", "db-1", "db-2"]) {
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels: { app: "db" } }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] } } });
    await markReady(name);
  }
});
afterAll(() => server.cleanup());

async function markReady(name: string) {
  const pod = await core.readNamespacedPod({ name, namespace: NS });
  pod.status = { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date() }] };
  await core.replaceNamespacedPodStatus({ name, namespace: NS, body: pod });
}

async function budgetWhere(name: string, ok: (s: k8s.V1PodDisruptionBudgetStatus) => boolean): Promise<k8s.V1PodDisruptionBudget> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name, namespace: NS });
    if (pdb.status && ok(pdb.status)) return pdb;
    if (Date.now() > deadline) throw new Error(`budget ${name} never reached the state: ${JSON.stringify(pdb.status)}`);
    await Bun.sleep(100);
  }
}

const evict = (name: string) => core.createNamespacedPodEviction({ name, namespace: NS, body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: NS } } });

test("the disruption controller keeps the budget's status; evictions take from it until the budget answers 429", async () => {
  await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "db" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "db" } } } } });
  const pdb = await budgetWhere("db", (s) => s.currentHealthy === 3);
  expect(pdb.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 });
  expect(pdb.status!.conditions).toMatchObject([{ type: "DisruptionAllowed", status: "True", reason: "SufficientPods", observedGeneration: 1 }]);
  expect(await kubectlOk(server.kubeconfigPath, ["get", "pdb", "-n", NS])).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\ndb\s+2\s+N\/A\s+1\s+\S+\n$/);

  await evict("db-0");
  // The pod is on a node: it terminates (deletionTimestamp) and no longer counts.
  const evicted = await core.readNamespacedPod({ name: "db-0", namespace: NS });
  expect(evicted.metadata?.deletionTimestamp).toBeDefined();
  expect(evicted.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" });
  const after = await budgetWhere("db", (s) => s.currentHealthy === 2 && !s.disruptedPods?.["db-0"]);
  expect(after.status).toMatchObject({ disruptionsAllowed: 0, desiredHealthy: 2 });
  expect(after.status!.conditions).toMatchObject([{ type: "DisruptionAllowed", status: "False", reason: "InsufficientPods" }]);

  const refused = await rejection(evict("db-1"));
  expect(refused.code).toBe(429);
  expect(refused.status).toMatchObject({
    kind: "Status",
    status: "Failure",
    reason: "TooManyRequests",
    code: 429,
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    details: { causes: [{ type: "DisruptionBudget", message: "The disruption budget db needs 2 healthy pods and has 2 currently" }] },
  });
  expect((await core.readNamespacedPod({ name: "db-1", namespace: NS })).metadata?.deletionTimestamp).toBeUndefined();

  const describe = await kubectlOk(server.kubeconfigPath, ["describe", "pdb", "db", "-n", NS]);
  expect(describe).toMatch(/Min available:\s+2/);
  expect(describe).toMatch(/Allowed disruptions:\s+0/);
  // The terminating pod still counts toward the total (upstream counts every selected pod for an integer minAvailable).
  expect(describe).toMatch(/Current:\s+2\s+Desired:\s+2\s+Total:\s+3/);
});

test("eviction bodies are checked; a pod without a budget is evicted; a missing pod is 404", async () => {
  const mismatch = await rejection(core.createNamespacedPodEviction({ name: "db-1", namespace: NS, body: { metadata: { name: "db-2" } } }));
  expect([mismatch.code, mismatch.status.message]).toEqual([400, "name in URL does not match name in Eviction object"]);
  const missing = await rejection(evict("nope"));
  expect([missing.code, missing.status.reason]).toEqual([404, "NotFound"]);
  await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: "free", labels: { app: "other" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } });
  const stale = await rejection(core.createNamespacedPodEviction({ name: "free", namespace: NS, body: { metadata: { name: "free" }, deleteOptions: { preconditions: { uid: "not-its-uid" } } } }));
  expect([stale.code, stale.status.reason]).toEqual([409, "Conflict"]);
  // The v1beta1 body is accepted too.
  await core.createNamespacedPodEviction({ name: "free", namespace: NS, body: { apiVersion: "policy/v1beta1", kind: "Eviction", metadata: { name: "free" } } as k8s.V1Eviction });
  expect((await rejection(core.readNamespacedPod({ name: "free", namespace: NS }))).code).toBe(404);
});

test("an unready pod: held under IfHealthyBudget while the budget is short, evicted at once under AlwaysAllow", async () => {
  for (const [name, app] of [["lag-0", "lag"], ["lag-1", "lag"], ["stuck-0", "stuck"]] as const) {
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name, labels: { app } }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] } } });
    const pod = await core.readNamespacedPod({ name, namespace: NS });
    pod.status = { phase: "Running", conditions: [{ type: "Ready", status: "False", lastTransitionTime: new Date() }] };
    await core.replaceNamespacedPodStatus({ name, namespace: NS, body: pod });
  }
  await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "lag" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "lag" } } } } });
  await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "stuck" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "stuck" } }, unhealthyPodEvictionPolicy: "AlwaysAllow" } } });
  await budgetWhere("lag", (s) => s.observedGeneration === 1 && s.currentHealthy === 0);
  await budgetWhere("stuck", (s) => s.observedGeneration === 1 && s.currentHealthy === 0);
  const held = await rejection(evict("lag-0"));
  expect([held.code, held.status.details.causes[0].message]).toEqual([429, "The disruption budget lag needs 1 healthy pods and has 0 currently"]);
  await evict("stuck-0");
  expect((await core.readNamespacedPod({ name: "stuck-0", namespace: NS })).metadata?.deletionTimestamp).toBeDefined();
});

test("a percentage counts the Deployment's replicas, reached through its ReplicaSet; maxUnavailable a StatefulSet's", async () => {
  await apps.createNamespacedDeployment({
    namespace: NS,
    body: { metadata: { name: "web" }, spec: { replicas: 4, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } },
  });
  await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "web" }, spec: { maxUnavailable: "25%", selector: { matchLabels: { app: "web" } } } } });
  const pdb = await budgetWhere("web", (s) => s.expectedPods === 4);
  expect(pdb.status).toMatchObject({ expectedPods: 4, desiredHealthy: 3, currentHealthy: 0, disruptionsAllowed: 0 });
  await apps.patchNamespacedDeploymentScale({ name: "web", namespace: NS, body: { spec: { replicas: 8 } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  const scaled = await budgetWhere("web", (s) => s.expectedPods === 8);
  expect(scaled.status!.desiredHealthy).toBe(6);
  expect(await kubectlOk(server.kubeconfigPath, ["get", "pdb", "web", "-n", NS, "--no-headers"])).toMatch(/^web\s+N\/A\s+25%\s+0\s+\S+\n$/);

  // A StatefulSet's scale counts even while OrderedReady has made only its first pod.
  await apps.createNamespacedStatefulSet({
    namespace: NS,
    body: { metadata: { name: "store" }, spec: { serviceName: "store", replicas: 3, selector: { matchLabels: { app: "store" } }, template: { metadata: { labels: { app: "store" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } },
  });
  await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: "store" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "store" } } } } });
  const store = await budgetWhere("store", (s) => s.expectedPods === 3);
  expect(store.status).toMatchObject({ expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 0 });
});

test("kubectl drain is held by the budget, then drains once the budget allows it", async () => {
  const held = await kubectl(server.kubeconfigPath, ["drain", "n1", "--force", "--grace-period=0", "--timeout=7s", "--pod-selector=app=db"]);
  expect(held.code).not.toBe(0);
  expect(held.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
  expect((await core.readNode({ name: "n1" })).spec?.unschedulable).toBe(true);
  expect((await core.readNamespacedPod({ name: "db-1", namespace: NS })).metadata?.deletionTimestamp).toBeUndefined();

  await policy.patchNamespacedPodDisruptionBudget({ name: "db", namespace: NS, body: { spec: { minAvailable: 0 } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  await budgetWhere("db", (s) => s.observedGeneration === 2 && s.disruptionsAllowed === 2);
  const drained = await kubectlOk(server.kubeconfigPath, ["drain", "n1", "--force", "--grace-period=0", "--timeout=30s", "--pod-selector=app=db"]);
  expect(drained).toContain("node/n1 drained");
  const left = await core.listNamespacedPod({ namespace: NS, labelSelector: "app=db" });
  expect(left.items.map((p) => p.metadata?.name)).toEqual([]);
});
