import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { replicaSetController } from "../../../src/controllers/replicaset/replicaset-controller.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { bindPod } from "../../../src/server/pod-subresources.ts";
import { eventually, podTemplate, setPodReady, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let controller: Controller;
let informers: InformerFactory;
const events: { reason: string; message: string }[] = [];

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  controller = replicaSetController(c.registry, informers, { pod: c.kind("pods"), replicaSet: c.kind("replicasets") }, (_o, _t, reason, message) => events.push({ reason, message }));
  controller.start();
});
afterEach(async () => {
  await controller.stop();
  informers.stop();
  await c.close();
});

const pods = () => c.registry.list(c.kind("pods"), "default").items;
const livePods = () => pods().filter((p) => !p.metadata.deletionTimestamp);
const rs = (name: string, replicas: number, extra: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("replicasets"), "default", { metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }), ...extra } });
const getRS = (name: string) => c.registry.get(c.kind("replicasets"), "default", name);

describe("ReplicaSet controller", () => {
  test("creates spec.replicas pods from the template with a controller reference and events", async () => {
    const set = await rs("web", 3);
    await eventually(() => pods().length === 3, "3 pods");
    for (const p of pods()) {
      expect(p.metadata.name!.startsWith("web-")).toBe(true);
      expect(p.metadata.labels).toEqual({ app: "web" });
      expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    }
    await eventually(() => (getRS("web").status as any)?.replicas === 3, "status.replicas 3");
    expect((getRS("web").status as any).observedGeneration).toBe(1);
    expect(events.filter((e) => e.reason === "SuccessfulCreate").length).toBe(3);
  });

  test("adopts a matching orphan and releases a pod whose labels stop matching", async () => {
    await c.registry.create(c.kind("pods"), "default", { metadata: { name: "orphan", labels: { app: "web" } }, spec: podTemplate({}).spec });
    const set = await rs("web", 2);
    await eventually(() => pods().length === 2 && pods().every((p) => p.metadata.ownerReferences?.[0]?.uid === set.metadata.uid), "orphan adopted plus one created");
    expect(pods().some((p) => p.metadata.name === "orphan")).toBe(true);

    await c.registry.replace(c.kind("pods"), "default", "orphan", (p) => ({ ...p!, metadata: { ...p!.metadata, labels: { app: "other" } } }));
    await eventually(() => {
      const orphan = c.registry.tryGet(c.kind("pods"), "default", "orphan");
      return orphan && !orphan.metadata.ownerReferences && pods().filter((p) => p.metadata.labels?.app === "web").length === 2;
    }, "released and replaced");
  });

  test("scales down unscheduled first, then not ready, then the newest", async () => {
    await c.registry.create(c.kind("nodes"), "", { metadata: { name: "n1" }, spec: {} });
    await rs("web", 2);
    await eventually(() => pods().length === 2, "first two pods");
    const [older1, older2] = pods();
    for (const p of [older1!, older2!]) await bindPod(c.registry, "default", p.metadata.name!, "n1");
    await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", older1!.metadata.name!), true);
    await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", older2!.metadata.name!), false);
    await Bun.sleep(1100); // creation timestamps have one-second resolution
    await c.registry.replace(c.kind("replicasets"), "default", "web", (r) => ({ ...r!, spec: { ...(r!.spec as object), replicas: 4 } }));
    await eventually(() => pods().length === 4, "4 pods");
    const newer = pods().filter((p) => p !== older1 && p.metadata.name !== older1!.metadata.name && p.metadata.name !== older2!.metadata.name);
    await bindPod(c.registry, "default", newer[0]!.metadata.name!, "n1");
    await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", newer[0]!.metadata.name!), true);
    const unscheduled = newer[1]!.metadata.name!;

    const deletedAfter = async (replicas: number) => {
      await c.registry.replace(c.kind("replicasets"), "default", "web", (r) => ({ ...r!, spec: { ...(r!.spec as object), replicas } }));
      await eventually(() => livePods().length === replicas, `${replicas} live pods`);
    };
    await deletedAfter(3);
    expect(c.registry.tryGet(c.kind("pods"), "default", unscheduled)).toBeUndefined(); // unbound: gone at once
    await deletedAfter(2);
    expect(livePods().map((p) => p.metadata.name).sort()).toEqual([older1!.metadata.name!, newer[0]!.metadata.name!].sort()); // the not-ready one went
    await deletedAfter(1);
    expect(livePods().map((p) => p.metadata.name)).toEqual([older1!.metadata.name!]); // the newer ready one went
    expect(events.filter((e) => e.reason === "SuccessfulDelete").length).toBe(3);
  });

  test("counts ready and available replicas, honouring minReadySeconds", async () => {
    await rs("web", 2, { minReadySeconds: 3 }); // timestamps have one-second resolution: 3 s leaves room
    await eventually(() => pods().length === 2, "2 pods");
    for (const p of pods()) await setPodReady(c.registry, p, true);
    const status = () => getRS("web").status as any;
    await eventually(() => status()?.readyReplicas === 2, "2 ready");
    expect(status().availableReplicas).toBe(0);
    expect(status().fullyLabeledReplicas).toBe(2);
    await eventually(() => status()?.availableReplicas === 2, "2 available after minReadySeconds", 6000);
  });

  test("replaces a pod that is deleted", async () => {
    await rs("web", 2);
    await eventually(() => pods().length === 2, "2 pods");
    const victim: KubeObject = pods()[0]!;
    await c.registry.delete(c.kind("pods"), "default", victim.metadata.name!);
    await eventually(() => pods().length === 2 && !pods().some((p) => p.metadata.uid === victim.metadata.uid), "replacement");
  });

  test("replaces a pod marked for eviction from a lost node at once, and trims the surplus when it is unmarked", async () => {
    await rs("edge", 2);
    await eventually(() => pods().length === 2, "2 pods");
    const lost: KubeObject = pods()[0]!;
    const mark = (on: boolean) =>
      c.registry.replace(c.kind("pods"), "default", lost.metadata.name!, (p) => {
        const conds = (((p!.status as any)?.conditions ?? []) as any[]).filter((x) => x.type !== "DisruptionTarget");
        if (on) conds.push({ type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager" });
        return { ...p!, status: { ...(p!.status as object), conditions: conds } };
      }, {}, "status");
    await mark(true);
    await eventually(() => pods().length === 3, "a replacement beside the marked pod");
    expect(pods().some((p) => p.metadata.uid === lost.metadata.uid)).toBe(true);
    expect(getRS("edge").status).toMatchObject({ replicas: 2 });
    await mark(false);
    await eventually(() => livePods().length === 2, "surplus removed once the node is back");
  });
});
