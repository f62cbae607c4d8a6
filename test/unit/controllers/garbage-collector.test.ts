import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { replicaSetController } from "../../../src/controllers/replicaset/replicaset-controller.ts";
import { deploymentController } from "../../../src/controllers/deployment/deployment-controller.ts";
import { garbageCollector } from "../../../src/controllers/garbage-collector.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { eventually, podTemplate, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let controllers: Controller[];

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  const kinds = { pod: c.kind("pods"), replicaSet: c.kind("replicasets"), deployment: c.kind("deployments") };
  controllers = [replicaSetController(c.registry, informers, kinds, () => {}), deploymentController(c.registry, informers, kinds, () => {}), garbageCollector(c.registry, informers)];
  for (const x of controllers) x.start();
});
afterEach(async () => {
  await Promise.all(controllers.map((x) => x.stop()));
  informers.stop();
  await c.close();
});

const pods = () => c.registry.list(c.kind("pods"), "default").items;
const sets = () => c.registry.list(c.kind("replicasets"), "default").items;
const deploy = async (name: string) => {
  await c.registry.create(c.kind("deployments"), "default", { metadata: { name }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }) } });
  await eventually(() => pods().length === 2 && sets().length === 1, "deployment's set and pods");
};

describe("garbage collector", () => {
  test("background: deleting a Deployment removes its ReplicaSets and pods", async () => {
    await deploy("web");
    await c.registry.delete(c.kind("deployments"), "default", "web", { propagationPolicy: "Background" });
    await eventually(() => sets().length === 0 && pods().length === 0, "everything gone");
  });

  test("foreground: the owner waits for its dependents, then goes", async () => {
    await deploy("web");
    let ownerSeenWithDependents = false;
    const off = c.registry.subscribe((ch) => {
      if (ch.resource === "apps/deployments" && ch.type !== "DELETED" && ch.object.metadata.finalizers?.includes("foregroundDeletion") && sets().length > 0) ownerSeenWithDependents = true;
    });
    await c.registry.delete(c.kind("deployments"), "default", "web", { propagationPolicy: "Foreground" });
    await eventually(() => !c.registry.tryGet(c.kind("deployments"), "default", "web"), "owner gone");
    off();
    expect(ownerSeenWithDependents).toBe(true);
    expect(sets().length).toBe(0);
    expect(pods().length).toBe(0);
  });

  test("orphan: dependents stay, without the owner's reference", async () => {
    await c.registry.create(c.kind("replicasets"), "default", { metadata: { name: "rs" }, spec: { replicas: 2, selector: { matchLabels: { app: "rs" } }, template: podTemplate({ app: "rs" }) } });
    await eventually(() => pods().length === 2, "pods");
    await c.registry.delete(c.kind("replicasets"), "default", "rs", { propagationPolicy: "Orphan" });
    await eventually(() => !c.registry.tryGet(c.kind("replicasets"), "default", "rs"), "set gone");
    expect(pods().length).toBe(2);
    expect(pods().every((p: KubeObject) => !p.metadata.ownerReferences)).toBe(true);
  });

  test("a dependent created for an owner that no longer exists is collected", async () => {
    await c.registry.create(c.kind("pods"), "default", {
      metadata: { name: "stray", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "never", uid: "00000000-0000-0000-0000-000000000000", controller: true }] },
      spec: podTemplate({}).spec,
    });
    await eventually(() => !c.registry.tryGet(c.kind("pods"), "default", "stray"), "stray collected");
  });
});
