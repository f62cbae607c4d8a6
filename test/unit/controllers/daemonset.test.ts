// The DaemonSet controller on the simulated cluster (real registry and SQLite store; a fake
// node agent turns pods ready): placement per node, node changes, status counters,
// ControllerRevisions, RollingUpdate with maxUnavailable / maxSurge, OnDelete, rollback.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { daemonSetController } from "../../../src/controllers/daemonset/daemonset-controller.ts";
import { targetNodeOf } from "../../../src/controllers/daemonset/daemon-pods.ts";
import { eventually, fakeKubelet, readyNode, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let controller: Controller;
let stopKubelet: () => void;
let maxNotReadyNodes = 0;
const events: string[] = [];

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  maxNotReadyNodes = 0;
  controller = daemonSetController(c.registry, informers, { pod: c.kind("pods"), node: c.kind("nodes"), daemonSet: c.kind("daemonsets"), controllerRevision: c.kind("controllerrevisions") }, (_o, _t, reason, message) => void events.push(`${reason}: ${message}`));
  controller.start();
  stopKubelet = fakeKubelet(c.registry, 40);
});
afterEach(async () => {
  stopKubelet();
  await controller.stop();
  informers.stop();
  await c.close();
});

const pods = () => c.registry.list(c.kind("pods"), "default").items.filter((p) => !p.metadata.deletionTimestamp);
const podsByNode = () => Object.fromEntries(pods().map((p) => [targetNodeOf(p)!, p]));
const ds = (name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("daemonsets"), "default", { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "d", image: "localhost/agent:1" }], ...podSpec } }, ...spec } });
const getDS = (name: string) => c.registry.get(c.kind("daemonsets"), "default", name);
const revisions = () => c.registry.list(c.kind("controllerrevisions"), "default").items.map((r) => [r.metadata.name, (r as any).revision]).sort((a, b) => a[1] - b[1]);
const setImage = (name: string, image: string) =>
  c.registry.replace(c.kind("daemonsets"), "default", name, (cur) => {
    const d = structuredClone(cur!) as any;
    d.spec.template.spec.containers[0].image = image;
    return d;
  });
const images = () => pods().map((p) => (p.spec as any).containers[0].image).sort();
const allReady = (n: number, image: string) => {
  const ps = pods();
  return ps.length === n && ps.every((p) => (p.spec as any).containers[0].image === image && (p.status as any)?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
};

describe("DaemonSet controller", () => {
  test("one pod per eligible node, pinned by node affinity, with the daemon tolerations and status counters", async () => {
    await readyNode(c.registry, "a", { labels: { role: "edge" } });
    await readyNode(c.registry, "b", { labels: { role: "edge" } });
    await readyNode(c.registry, "core", { labels: { role: "core" } });
    await readyNode(c.registry, "tainted", { labels: { role: "edge" }, taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] });
    await readyNode(c.registry, "cp", { labels: { role: "edge" }, taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] });
    await c.registry.replace(c.kind("nodes"), "", "b", (n) => ({ ...n!, spec: { unschedulable: true } })); // cordoned: daemons still run
    const set = await ds("agent", {}, { nodeSelector: { role: "edge" } });

    await eventually(() => pods().length === 2, "two daemon pods");
    expect(Object.keys(podsByNode()).sort()).toEqual(["a", "b"]);
    const p = podsByNode().a as KubeObject;
    const spec = p.spec as any;
    expect(spec.nodeName).toBeUndefined();
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["a"] }] }] });
    expect(spec.tolerations.map((t: any) => `${t.key}:${t.effect}`)).toEqual([
      "node.kubernetes.io/not-ready:NoExecute",
      "node.kubernetes.io/unreachable:NoExecute",
      "node.kubernetes.io/disk-pressure:NoSchedule",
      "node.kubernetes.io/memory-pressure:NoSchedule",
      "node.kubernetes.io/pid-pressure:NoSchedule",
      "node.kubernetes.io/unschedulable:NoSchedule",
    ]);
    expect(p.metadata.labels).toMatchObject({ app: "agent", "pod-template-generation": "1" });
    expect(p.metadata.labels!["controller-revision-hash"]).toMatch(/^[a-z0-9]+$/);
    expect(p.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    await eventually(() => (getDS("agent").status as any)?.numberAvailable === 2, "both available");
    expect(getDS("agent").status).toEqual({ currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 2, observedGeneration: 1, updatedNumberScheduled: 2, numberAvailable: 2 });
    expect(events.filter((e) => e.startsWith("SuccessfulCreate: Created pod: agent-")).length).toBe(2);

    // A toleration for the control-plane taint adds that node.
    await c.registry.replace(c.kind("daemonsets"), "default", "agent", (cur) => {
      const d = structuredClone(cur!) as any;
      d.spec.template.spec.tolerations = [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }];
      return d;
    });
    await eventually(() => podsByNode().cp && pods().length === 3, "control-plane node gets a pod");
  });

  test("new node gets a pod, a node gone or relabelled loses it, a NoExecute taint evicts", async () => {
    await readyNode(c.registry, "a", { labels: { role: "edge" } });
    await ds("agent", {}, { nodeSelector: { role: "edge" } });
    await eventually(() => pods().length === 1, "first pod");
    await readyNode(c.registry, "b", { labels: { role: "edge" } });
    await eventually(() => podsByNode().b, "pod on the new node");
    await c.registry.delete(c.kind("nodes"), "", "a");
    await eventually(() => !podsByNode().a && pods().length === 1, "pod of the removed node deleted");
    await readyNode(c.registry, "c", { labels: { role: "edge" } });
    await eventually(() => podsByNode().c, "pod on c");
    await c.registry.replace(c.kind("nodes"), "", "c", (n) => ({ ...n!, metadata: { ...n!.metadata, labels: { role: "core" } } }));
    await eventually(() => !podsByNode().c, "relabelled node loses its pod");
    // A NoSchedule taint added later keeps the running pod; NoExecute removes it.
    await c.registry.replace(c.kind("nodes"), "", "b", (n) => ({ ...n!, spec: { taints: [{ key: "x", effect: "NoSchedule" }] } }));
    await Bun.sleep(200);
    expect(podsByNode().b).toBeDefined();
    await c.registry.replace(c.kind("nodes"), "", "b", (n) => ({ ...n!, spec: { taints: [{ key: "x", effect: "NoExecute" }] } }));
    await eventually(() => pods().length === 0, "NoExecute taint removes the pod");
    await eventually(() => (getDS("agent").status as any)?.desiredNumberScheduled === 0, "desired 0");
  });

  test("RollingUpdate with maxUnavailable 1 replaces one node at a time; revisions; undo renumbers", async () => {
    for (const n of ["a", "b", "c"]) await readyNode(c.registry, n);
    await ds("agent");
    await eventually(() => allReady(3, "localhost/agent:1"), "three ready pods");
    expect(revisions().map((r) => r[1])).toEqual([1]);
    const firstRevision = revisions()[0]![0];

    // Sample how many nodes lack a ready pod while the update runs.
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ready = pods().filter((p) => (p.status as any)?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True")).length;
        maxNotReadyNodes = Math.max(maxNotReadyNodes, 3 - ready);
        await Bun.sleep(2);
      }
    })();
    await setImage("agent", "localhost/agent:2");
    await eventually(() => allReady(3, "localhost/agent:2"), "all updated", 10_000);
    sampling = false;
    await sampler;
    expect(maxNotReadyNodes).toBe(1);
    expect(revisions().map((r) => r[1])).toEqual([1, 2]);
    await eventually(() => (getDS("agent").status as any)?.updatedNumberScheduled === 3 && (getDS("agent").status as any)?.observedGeneration === 2, "status updated");

    // Back to the first template: its revision becomes the newest, no third one is made.
    await setImage("agent", "localhost/agent:1");
    await eventually(() => allReady(3, "localhost/agent:1"), "rolled back", 10_000);
    await eventually(() => revisions().find((r) => r[0] === firstRevision)?.[1] === 3, "first revision renumbered to 3");
    expect(revisions().length).toBe(2);
    const data = (c.registry.get(c.kind("controllerrevisions"), "default", firstRevision) as any).data;
    expect(Object.keys(data)).toEqual(["spec"]);
    expect(data.spec.template.$patch).toBe("replace");
    expect(data.spec.template.spec.containers[0].image).toBe("localhost/agent:1");
  });

  test("maxSurge starts the new pod before the old one goes", async () => {
    for (const n of ["a", "b"]) await readyNode(c.registry, n);
    await ds("agent", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    await eventually(() => allReady(2, "localhost/agent:1"), "two ready pods");
    let sawTwoOnOneNode = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const perNode = new Map<string, number>();
        for (const p of pods()) perNode.set(targetNodeOf(p)!, (perNode.get(targetNodeOf(p)!) ?? 0) + 1);
        if ([...perNode.values()].some((n) => n === 2)) sawTwoOnOneNode = true;
        const ready = pods().filter((p) => (p.status as any)?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
        maxNotReadyNodes = Math.max(maxNotReadyNodes, 2 - new Set(ready.map(targetNodeOf)).size);
        await Bun.sleep(2);
      }
    })();
    await setImage("agent", "localhost/agent:2");
    await eventually(() => allReady(2, "localhost/agent:2"), "surged update done", 10_000);
    sampling = false;
    await sampler;
    expect(sawTwoOnOneNode).toBe(true);
    expect(maxNotReadyNodes).toBe(0);
  });

  test("OnDelete keeps old pods until they are deleted; history beyond the limit is pruned", async () => {
    for (const n of ["a", "b"]) await readyNode(c.registry, n);
    await ds("agent", { updateStrategy: { type: "OnDelete" }, revisionHistoryLimit: 1 });
    await eventually(() => allReady(2, "localhost/agent:1"), "two ready pods");
    await setImage("agent", "localhost/agent:2");
    await eventually(() => (getDS("agent").status as any)?.observedGeneration === 2, "update observed");
    await Bun.sleep(300);
    expect(images()).toEqual(["localhost/agent:1", "localhost/agent:1"]);
    expect((getDS("agent").status as any).updatedNumberScheduled).toBeUndefined();
    const onA = podsByNode().a!;
    await c.registry.delete(c.kind("pods"), "default", onA.metadata.name!);
    await eventually(() => images().join() === "localhost/agent:1,localhost/agent:2", "deleted pod replaced from the new template");
    expect((podsByNode().a!.spec as any).containers[0].image).toBe("localhost/agent:2");
    // Revisions beyond the limit go once no pod uses them: 1 is kept while b's pod has it.
    await setImage("agent", "localhost/agent:3");
    await eventually(() => revisions().length === 3, "third revision");
    await Bun.sleep(200);
    expect(revisions().map((r) => r[1])).toEqual([1, 2, 3]);
    await c.registry.delete(c.kind("pods"), "default", podsByNode().b!.metadata.name!);
    await eventually(() => revisions().map((r) => r[1]).join() === "2,3", "revision 1 pruned once unused");
  });
});
