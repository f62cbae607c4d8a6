import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { Scheduler } from "../../../src/scheduler/scheduler.ts";
import { fitErrorMessage } from "../../../src/scheduler/placement.ts";
import { bindPod } from "../../../src/server/pod-subresources.ts";
import { eventually, readyNode, testCluster, type TestCluster } from "../controllers/cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let scheduler: Scheduler;
const events: string[] = [];
const attempts: string[] = [];

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  attempts.length = 0;
  scheduler = new Scheduler(c.registry, informers, { pod: c.kind("pods"), node: c.kind("nodes") }, {
    bind: (ns, name, node) => bindPod(c.registry, ns, name, node),
    recordEvent: (_o, type, reason, message) => void events.push(`${type} ${reason}: ${message}`),
    onAttempt: (result, seconds) => void attempts.push(`${result}:${seconds >= 0}`),
  });
  scheduler.start();
});
afterEach(async () => {
  await scheduler.stop();
  informers.stop();
  await c.close();
});

const pod = (name: string, spec: Record<string, unknown> = {}, containers: unknown[] = [{ name: "app", image: "x" }], metadata: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("pods"), "default", { metadata: { name, ...metadata }, spec: { containers, ...spec } });
const nodeOf = (name: string) => (c.registry.get(c.kind("pods"), "default", name).spec as any).nodeName as string | undefined;
const scheduledCond = (name: string) => ((c.registry.get(c.kind("pods"), "default", name).status as any)?.conditions ?? []).find((x: any) => x.type === "PodScheduled");
const requests = (cpu?: string, memory?: string) => [{ name: "app", image: "x", resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } }];

describe("scheduler", () => {
  test("binds a pod to a ready node with PodScheduled and a Scheduled event", async () => {
    await readyNode(c.registry, "n1");
    await pod("p");
    await eventually(() => nodeOf("p") === "n1", "bound");
    await eventually(() => scheduledCond("p")?.status === "True", "PodScheduled True");
    await eventually(() => events.includes("Normal Scheduled: Successfully assigned default/p to n1"), "event");
  });

  test("filters by resources, nodeSelector, affinity, taints, unschedulable and host ports", async () => {
    await readyNode(c.registry, "small", { cpu: "500m", memory: "256Mi", labels: { disk: "hdd", rank: "3" } });
    await readyNode(c.registry, "big", { cpu: "8", memory: "32Gi", labels: { disk: "ssd", rank: "10" } });
    await readyNode(c.registry, "tainted", { labels: { disk: "ssd" }, taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] });
    await c.registry.create(c.kind("nodes"), "", { metadata: { name: "cordoned" }, spec: { unschedulable: true }, status: { allocatable: { cpu: "8", memory: "32Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True" }] } });

    await pod("needs-memory", {}, requests(undefined, "1Gi"));
    await pod("wants-hdd", { nodeSelector: { disk: "hdd" } });
    await pod("affinity", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "rank", operator: "Gt", values: ["5"] }, { key: "disk", operator: "In", values: ["ssd"] }] }] } } } });
    await pod("by-name", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["tainted"] }] }] } } }, tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }] });
    await eventually(() => nodeOf("needs-memory") && nodeOf("wants-hdd") && nodeOf("affinity") && nodeOf("by-name"), "all bound");
    expect(nodeOf("needs-memory")).not.toBe("small");
    expect(nodeOf("needs-memory")).not.toBe("cordoned");
    expect(nodeOf("wants-hdd")).toBe("small");
    expect(nodeOf("affinity")).toBe("big");
    expect(nodeOf("by-name")).toBe("tainted");

    await pod("port-a", { nodeSelector: { disk: "hdd" } }, [{ name: "a", image: "x", ports: [{ containerPort: 80, hostPort: 8080 }] }]);
    await eventually(() => nodeOf("port-a") === "small", "first host port");
    await pod("port-b", { nodeSelector: { disk: "hdd" } }, [{ name: "a", image: "x", ports: [{ containerPort: 80, hostPort: 8080 }] }]);
    await eventually(() => scheduledCond("port-b")?.reason === "Unschedulable", "port conflict");
    expect(scheduledCond("port-b").message).toBe("0/4 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) were unschedulable.");
  });

  test("an unschedulable pod gets the upstream message and is retried when a node appears", async () => {
    await readyNode(c.registry, "n1", { memory: "1Gi" });
    await readyNode(c.registry, "n2", { memory: "1Gi" });
    await readyNode(c.registry, "gone", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] });
    await pod("big", {}, requests(undefined, "4Gi"));
    await eventually(() => scheduledCond("big")?.status === "False", "PodScheduled False");
    const msg = "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient memory.";
    expect(scheduledCond("big")).toMatchObject({ reason: "Unschedulable", message: msg });
    await eventually(() => events.includes(`Warning FailedScheduling: ${msg}`), "FailedScheduling event");
    await readyNode(c.registry, "n3", { memory: "8Gi" });
    await eventually(() => nodeOf("big") === "n3", "retried onto the new node");
    // Both outcomes reach the metrics hook.
    await eventually(() => attempts.includes("scheduled:true"), "scheduled attempt reported");
    expect(attempts).toContain("unschedulable:true");
  });

  test("accounts requests of bound pods and counts pod slots", async () => {
    await readyNode(c.registry, "n1", { cpu: "1", pods: "2" });
    for (const n of ["a", "b", "c"]) await pod(n, {}, requests("300m"));
    await eventually(() => ["a", "b", "c"].filter((n) => nodeOf(n)).length === 2 && scheduledCond(["a", "b", "c"].find((n) => !nodeOf(n))!)?.status === "False", "two bound, one unschedulable");
    const left = ["a", "b", "c"].find((n) => !nodeOf(n))!;
    expect(scheduledCond(left).message).toBe("0/1 nodes are available: 1 Too many pods.");
    await pod("cpu-hungry", {}, requests("500m"));
    await eventually(() => scheduledCond("cpu-hungry")?.status === "False", "cpu-hungry unschedulable");
    expect(scheduledCond("cpu-hungry").message).toBe("0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods.");
    // Freeing a slot lets the waiting pod in.
    const bound = ["a", "b", "c"].find((n) => nodeOf(n))!;
    await c.registry.delete(c.kind("pods"), "default", bound, { gracePeriodSeconds: 0 });
    await eventually(() => nodeOf(left) === "n1", "scheduled after a pod left");
  });

  test("spreads pods of one owner across nodes", async () => {
    for (const n of ["n1", "n2", "n3"]) await readyNode(c.registry, n);
    const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "11111111-2222-3333-4444-555555555555", controller: true };
    for (let i = 0; i < 6; i++) await pod(`p${i}`, {}, undefined, { ownerReferences: [owner] });
    await eventually(() => [0, 1, 2, 3, 4, 5].every((i) => nodeOf(`p${i}`)), "all bound");
    const perNode = new Map<string, number>();
    for (let i = 0; i < 6; i++) perNode.set(nodeOf(`p${i}`)!, (perNode.get(nodeOf(`p${i}`)!) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([2, 2, 2]);
  });

  test("the fit error message sorts reasons as upstream", () => {
    expect(fitErrorMessage(new Map([["Insufficient memory", 2], ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }", 1]]), 3)).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient memory.",
    );
    expect(fitErrorMessage(new Map(), 0)).toBe("no nodes available to schedule pods");
  });
});
