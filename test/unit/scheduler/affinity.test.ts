// Scheduler predicates and priorities beyond resources: preferred node affinity, pod
// (anti-)affinity on hostname (both directions), PreferNoSchedule taints. Real registry and
// SQLite store (the simulated cluster of ../controllers/cluster.ts), real binding writes.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { Scheduler } from "../../../src/scheduler/scheduler.ts";
import { bindPod } from "../../../src/server/pod-subresources.ts";
import { eventually, readyNode, testCluster, type TestCluster } from "../controllers/cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let scheduler: Scheduler;

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  scheduler = new Scheduler(c.registry, informers, { pod: c.kind("pods"), node: c.kind("nodes") }, {
    bind: (ns, name, node) => bindPod(c.registry, ns, name, node),
    recordEvent: () => {},
    // Long enough that only events (a node or pod appearing) can make a waiting pod retry within a test.
    retryUnschedulableMs: 60_000,
  });
  scheduler.start();
});
afterEach(async () => {
  await scheduler.stop();
  informers.stop();
  await c.close();
});

const pod = (name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("pods"), "default", { metadata: { name, labels }, spec: { containers: [{ name: "app", image: "x" }], ...spec } });
const nodeOf = (name: string) => (c.registry.get(c.kind("pods"), "default", name).spec as any).nodeName as string | undefined;
const scheduledCond = (name: string) => ((c.registry.get(c.kind("pods"), "default", name).status as any)?.conditions ?? []).find((x: any) => x.type === "PodScheduled");
const HOST = "kubernetes.io/hostname";
const term = (labels: Record<string, string>) => ({ labelSelector: { matchLabels: labels }, topologyKey: HOST });

describe("scheduler affinity and taints", () => {
  test("preferred node affinity picks the node with the highest matching weight", async () => {
    await readyNode(c.registry, "a", { labels: { zone: "x" } });
    await readyNode(c.registry, "b", { labels: { zone: "y", disk: "ssd" } });
    await readyNode(c.registry, "c", { labels: { zone: "y" } });
    const preferred = [
      { weight: 10, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["y"] }] } },
      { weight: 50, preference: { matchExpressions: [{ key: "disk", operator: "Exists" }] } },
    ];
    for (const n of ["p1", "p2", "p3"]) await pod(n, {}, { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred } } });
    await eventually(() => ["p1", "p2", "p3"].every((n) => nodeOf(n)), "bound");
    expect(["p1", "p2", "p3"].map(nodeOf)).toEqual(["b", "b", "b"]);
  });

  test("required anti-affinity on hostname: one replica per node, the extra one unschedulable", async () => {
    await readyNode(c.registry, "n1");
    await readyNode(c.registry, "n2");
    const spec = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "web" })] } } };
    for (const n of ["w1", "w2", "w3"]) await pod(n, { app: "web" }, spec);
    await eventually(() => ["w1", "w2", "w3"].filter((n) => nodeOf(n)).length === 2, "two bound");
    const left = ["w1", "w2", "w3"].find((n) => !nodeOf(n))!;
    expect(new Set(["w1", "w2", "w3"].map(nodeOf).filter(Boolean))).toEqual(new Set(["n1", "n2"]));
    await eventually(() => scheduledCond(left)?.status === "False", "third unschedulable");
    expect(scheduledCond(left).message).toBe("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules.");
    // A new node gives it a place.
    await readyNode(c.registry, "n3");
    await eventually(() => nodeOf(left) === "n3", "placed on the new node");
  });

  test("an existing pod's required anti-affinity keeps matching pods off its node (symmetry)", async () => {
    await readyNode(c.registry, "n1", { labels: { only: "loner" } });
    await readyNode(c.registry, "n2");
    await pod("loner", { app: "loner" }, { nodeSelector: { only: "loner" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "noisy" })] } } });
    await eventually(() => nodeOf("loner") === "n1", "loner on n1");
    for (const n of ["noisy1", "noisy2", "noisy3"]) await pod(n, { app: "noisy" });
    await eventually(() => ["noisy1", "noisy2", "noisy3"].every((n) => nodeOf(n)), "noisy bound");
    expect(["noisy1", "noisy2", "noisy3"].map(nodeOf)).toEqual(["n2", "n2", "n2"]);
    await pod("pinned", { app: "noisy" }, { nodeSelector: { only: "loner" } });
    await eventually(() => scheduledCond("pinned")?.status === "False", "pinned unschedulable");
    expect(scheduledCond("pinned").message).toBe("0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't satisfy existing pods anti-affinity rules.");
  });

  test("required pod affinity follows the selected pod; the first of a self-affine group goes anywhere", async () => {
    for (const n of ["n1", "n2", "n3"]) await readyNode(c.registry, n);
    await pod("follower", { app: "cache" }, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ app: "db" })] } } });
    await eventually(() => scheduledCond("follower")?.status === "False", "follower waits for db");
    expect(scheduledCond("follower").message).toBe("0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    await pod("db", { app: "db" }, { nodeSelector: { [HOST]: "n2" } });
    await eventually(() => nodeOf("follower") === "n2", "follower next to db");

    const self = { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ group: "g" })] } } };
    await pod("g1", { group: "g" }, self);
    await eventually(() => nodeOf("g1"), "first of the group placed");
    for (const n of ["g2", "g3"]) await pod(n, { group: "g" }, self);
    await eventually(() => nodeOf("g2") && nodeOf("g3"), "group placed");
    expect([nodeOf("g2"), nodeOf("g3")]).toEqual([nodeOf("g1"), nodeOf("g1")]);
  });

  test("preferred pod anti-affinity spreads, preferred affinity packs", async () => {
    for (const n of ["n1", "n2", "n3"]) await readyNode(c.registry, n);
    const spread = { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: "s" }) }] } } };
    for (const n of ["s1", "s2", "s3"]) {
      await pod(n, { app: "s" }, spread);
      await eventually(() => nodeOf(n), `${n} bound`);
    }
    expect(new Set(["s1", "s2", "s3"].map(nodeOf)).size).toBe(3);
    await pod("anchor", { app: "anchor" }, { nodeSelector: { [HOST]: "n3" } });
    await eventually(() => nodeOf("anchor"), "anchor bound");
    const pack = { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term({ app: "anchor" }) }] } } };
    for (const n of ["k1", "k2"]) await pod(n, { app: "k" }, pack);
    await eventually(() => nodeOf("k1") && nodeOf("k2"), "packed pods bound");
    expect([nodeOf("k1"), nodeOf("k2")]).toEqual(["n3", "n3"]);
  });

  test("PreferNoSchedule taints are avoided while another node fits, used when none does", async () => {
    await readyNode(c.registry, "soft", { taints: [{ key: "spot", value: "true", effect: "PreferNoSchedule" }] });
    await readyNode(c.registry, "plain", { labels: { kind: "plain" } });
    for (const n of ["a", "b", "c"]) await pod(n, {});
    await eventually(() => ["a", "b", "c"].every((n) => nodeOf(n)), "bound");
    expect(["a", "b", "c"].map(nodeOf)).toEqual(["plain", "plain", "plain"]);
    await pod("off-plain", {}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kind", operator: "DoesNotExist" }] }] } } } });
    await eventually(() => nodeOf("off-plain") === "soft", "placed on the soft-tainted node");
  });

  test("a pod pinned by metadata.name is placed on its node; a misfit is explained against every node", async () => {
    for (let i = 0; i < 4; i++) await readyNode(c.registry, `n${i}`);
    await readyNode(c.registry, "locked", { taints: [{ key: "locked", effect: "NoSchedule" }] });
    const pinned = (node: string) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] }] } } } });
    await pod("to-n3", {}, pinned("n3"));
    await eventually(() => nodeOf("to-n3") === "n3", "placed on n3");
    await pod("to-locked", {}, pinned("locked"));
    await eventually(() => scheduledCond("to-locked")?.status === "False", "unschedulable");
    expect(scheduledCond("to-locked").message).toBe("0/5 nodes are available: 1 node(s) had untolerated taint {locked: }, 4 node(s) didn't match Pod's node affinity/selector.");
  });
});
