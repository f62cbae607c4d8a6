// The StatefulSet controller on the simulated cluster (real registry and SQLite store; a fake
// node agent turns pods ready): stable names and identity, claims from volumeClaimTemplates,
// OrderedReady and Parallel, ordered scale down, a deleted pod coming back, RollingUpdate
// with partition, OnDelete, retention policy and status counters.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { statefulSetController } from "../../../src/controllers/statefulset/statefulset-controller.ts";
import { eventually, fakeKubelet, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let controller: Controller;
let stopKubelet: () => void;
let stopLog: () => void;
/** "+web-0" when a pod is created, "ready web-0" when it turns ready, "-web-0" when it goes. */
let log: string[] = [];
const events: string[] = [];

function start(kubeletDelayMs = 40) {
  controller = statefulSetController(c.registry, informers, { pod: c.kind("pods"), statefulSet: c.kind("statefulsets"), controllerRevision: c.kind("controllerrevisions"), claim: c.kind("persistentvolumeclaims") }, (_o, _t, reason, message) => void events.push(`${reason}: ${message}`));
  controller.start();
  stopKubelet = fakeKubelet(c.registry, kubeletDelayMs);
}

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  log = [];
  stopLog = c.registry.subscribe((ch) => {
    if (ch.resource !== "pods") return;
    const name = ch.object.metadata.name;
    if (ch.type === "ADDED") log.push(`+${name}`);
    else if (ch.type === "DELETED") log.push(`-${name}`);
    else if ((ch.object.status as any)?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True") && !log.includes(`ready ${name}`)) log.push(`ready ${name}`);
  });
});
afterEach(async () => {
  stopLog();
  stopKubelet?.();
  await controller?.stop();
  informers.stop();
  await c.close();
});

const claimTemplate = { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
const sts = (name: string, spec: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("statefulsets"), "default", {
    metadata: { name },
    spec: { replicas: 3, serviceName: `${name}-svc`, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "localhost/app:1", volumeMounts: [{ name: "data", mountPath: "/data" }] }] } }, volumeClaimTemplates: [claimTemplate], ...spec },
  });
const getSts = (name: string) => c.registry.get(c.kind("statefulsets"), "default", name);
const pods = () => c.registry.list(c.kind("pods"), "default").items.filter((p) => !p.metadata.deletionTimestamp);
const podNames = () => pods().map((p) => p.metadata.name!).sort();
const pod = (name: string) => c.registry.tryGet(c.kind("pods"), "default", name);
const claims = () => c.registry.list(c.kind("persistentvolumeclaims"), "default").items;
const isReady = (p: KubeObject | undefined) => !!p && (p.status as any)?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True");
const image = (p: KubeObject | undefined) => (p?.spec as any)?.containers[0].image;
const update = (name: string, change: (spec: any) => void) =>
  c.registry.replace(c.kind("statefulsets"), "default", name, (cur) => {
    const s = structuredClone(cur!) as any;
    change(s.spec);
    return s;
  });
const allReadyWith = (n: number, img: string) => pods().length === n && pods().every((p) => isReady(p) && image(p) === img);

describe("StatefulSet controller", () => {
  test("OrderedReady: NAME-0…N-1 one after another, each with its identity and its claim, then status", async () => {
    start();
    const set = await sts("web");
    await eventually(() => allReadyWith(3, "localhost/app:1"), "three ready pods", 10_000);
    // Each pod is created only once the one before it is ready.
    expect(log.filter((l) => !l.startsWith("-"))).toEqual(["+web-0", "ready web-0", "+web-1", "ready web-1", "+web-2", "ready web-2"]);
    const p1 = pod("web-1")!;
    const spec = p1.spec as any;
    expect(spec.hostname).toBe("web-1");
    expect(spec.subdomain).toBe("web-svc");
    expect(spec.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "data-web-1" } }]);
    expect(p1.metadata.labels).toMatchObject({ app: "web", "statefulset.kubernetes.io/pod-name": "web-1", "apps.kubernetes.io/pod-index": "1" });
    expect(p1.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    expect(claims().map((x) => x.metadata.name).sort()).toEqual(["data-web-0", "data-web-1", "data-web-2"]);
    const claim = claims().find((x) => x.metadata.name === "data-web-0")!;
    expect(claim.metadata.labels).toEqual({ app: "web" });
    expect(claim.metadata.ownerReferences).toBeUndefined(); // Retain: the claims outlive the set
    expect((claim.spec as any).resources).toEqual({ requests: { storage: "1Gi" } });

    const revs = c.registry.list(c.kind("controllerrevisions"), "default").items;
    expect(revs.length).toBe(1);
    const rev = revs[0]!.metadata.name!;
    expect(rev).toMatch(/^web-[a-z0-9]+$/);
    expect(p1.metadata.labels!["controller-revision-hash"]).toBe(rev);
    await eventually(() => (getSts("web").status as any)?.readyReplicas === 3, "status");
    expect(getSts("web").status).toEqual({ observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: rev, updateRevision: rev, availableReplicas: 3 });
    expect(events).toContain("SuccessfulCreate: create Claim data-web-0 Pod web-0 in StatefulSet web success");
    expect(events).toContain("SuccessfulCreate: create Pod web-2 in StatefulSet web successful");
  });

  test("Parallel: every pod at once, without waiting for readiness", async () => {
    start(1500);
    await sts("par", { podManagementPolicy: "Parallel" });
    await eventually(() => pods().length === 3, "three pods", 5000);
    expect(pods().filter(isReady).length).toBe(0);
    expect(podNames()).toEqual(["par-0", "par-1", "par-2"]);
    await eventually(() => allReadyWith(3, "localhost/app:1"), "ready", 10_000);
  });

  test("a deleted pod comes back with its name and claim; scale down goes from the highest ordinal and keeps claims", async () => {
    start();
    await sts("db");
    await eventually(() => allReadyWith(3, "localhost/app:1"), "ready", 10_000);
    const oldUid = pod("db-1")!.metadata.uid;
    await c.registry.delete(c.kind("pods"), "default", "db-1");
    await eventually(() => pod("db-1") && pod("db-1")!.metadata.uid !== oldUid && isReady(pod("db-1")), "db-1 back", 10_000);
    expect((pod("db-1")!.spec as any).volumes[0].persistentVolumeClaim.claimName).toBe("data-db-1");
    expect(claims().length).toBe(3);

    log = [];
    await update("db", (s) => (s.replicas = 1));
    await eventually(() => podNames().join() === "db-0" && log.length >= 2, "scaled to 1", 10_000);
    expect(log.filter((l) => l.startsWith("-"))).toEqual(["-db-2", "-db-1"]);
    expect(claims().length).toBe(3);
    await update("db", (s) => (s.replicas = 3));
    await eventually(() => allReadyWith(3, "localhost/app:1"), "back to 3", 10_000);
    expect(claims().length).toBe(3);
  });

  test("RollingUpdate with a partition updates only ordinals at or above it, highest first; then the rest", async () => {
    start();
    await sts("ru", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } });
    await eventually(() => allReadyWith(3, "localhost/app:1"), "ready", 10_000);
    const first = (getSts("ru").status as any).currentRevision;
    await update("ru", (s) => (s.template.spec.containers[0].image = "localhost/app:2"));
    await eventually(() => image(pod("ru-2")) === "localhost/app:2" && isReady(pod("ru-2")) && (getSts("ru").status as any)?.updatedReplicas === 1, "ru-2 updated", 10_000);
    await Bun.sleep(300);
    expect([image(pod("ru-0")), image(pod("ru-1"))]).toEqual(["localhost/app:1", "localhost/app:1"]);
    const st = getSts("ru").status as any;
    expect(st.currentRevision).toBe(first);
    expect(st.updateRevision).not.toBe(first);
    expect(st.currentReplicas).toBe(2);

    log = [];
    await update("ru", (s) => (s.updateStrategy.rollingUpdate.partition = 0));
    await eventually(() => allReadyWith(3, "localhost/app:2"), "all updated", 10_000);
    expect(log.filter((l) => l.startsWith("-"))).toEqual(["-ru-1", "-ru-0"]);
    await eventually(() => (getSts("ru").status as any).currentRevision === st.updateRevision, "update revision current");
    expect(c.registry.list(c.kind("controllerrevisions"), "default").items.map((r) => (r as any).revision).sort()).toEqual([1, 2]);
  });

  test("OnDelete replaces a pod only when it is deleted", async () => {
    start();
    await sts("od", { updateStrategy: { type: "OnDelete" } });
    await eventually(() => allReadyWith(3, "localhost/app:1"), "ready", 10_000);
    await update("od", (s) => (s.template.spec.containers[0].image = "localhost/app:2"));
    await eventually(() => (getSts("od").status as any)?.observedGeneration === 2, "observed");
    await Bun.sleep(500);
    expect(pods().map(image)).toEqual(["localhost/app:1", "localhost/app:1", "localhost/app:1"]);
    await c.registry.delete(c.kind("pods"), "default", "od-0");
    await eventually(() => image(pod("od-0")) === "localhost/app:2" && isReady(pod("od-0")), "od-0 replaced", 10_000);
    expect([image(pod("od-1")), image(pod("od-2"))]).toEqual(["localhost/app:1", "localhost/app:1"]);
    expect((getSts("od").status as any).updatedReplicas).toBe(1);
  });

  test("persistentVolumeClaimRetentionPolicy: whenDeleted owns claims by the set, whenScaled by the condemned pod", async () => {
    start();
    const set = await sts("ret", { replicas: 2, persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" } });
    await eventually(() => allReadyWith(2, "localhost/app:1"), "ready", 10_000);
    const owners = (n: string) => (c.registry.tryGet(c.kind("persistentvolumeclaims"), "default", n)?.metadata.ownerReferences ?? []).map((r) => `${r.kind}/${r.name}`);
    expect(owners("data-ret-0")).toEqual(["StatefulSet/ret"]);
    expect(owners("data-ret-1")).toEqual(["StatefulSet/ret"]);
    const p1 = pod("ret-1")!;
    await update("ret", (s) => (s.replicas = 1));
    await eventually(() => !pod("ret-1"), "ret-1 gone", 10_000);
    const claim = c.registry.get(c.kind("persistentvolumeclaims"), "default", "data-ret-1");
    expect(claim.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Pod", name: "ret-1", uid: p1.metadata.uid! }]);
    expect(owners("data-ret-0")).toEqual(["StatefulSet/ret"]);
    expect(set.metadata.uid).toBeDefined();
  });

  test("a claim being deleted holds its pod back until it is gone", async () => {
    start();
    const claimKind = c.kind("persistentvolumeclaims");
    await c.registry.create(claimKind, "default", { metadata: { name: "data-hold-0", finalizers: ["example.com/hold"] }, spec: claimTemplate.spec });
    await c.registry.delete(claimKind, "default", "data-hold-0");
    await sts("hold", { replicas: 1 });
    await Bun.sleep(1500);
    expect(pod("hold-0")).toBeUndefined();
    await c.registry.replace(claimKind, "default", "data-hold-0", (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }));
    await eventually(() => isReady(pod("hold-0")), "hold-0 created", 10_000);
    expect(c.registry.get(claimKind, "default", "data-hold-0").metadata.deletionTimestamp).toBeUndefined();
  });

  test("an orphan pod NAME-N matching the selector is adopted rather than made again", async () => {
    start();
    const orphan = await c.registry.create(c.kind("pods"), "default", { metadata: { name: "adopt-0", labels: { app: "adopt" } }, spec: { containers: [{ name: "c", image: "localhost/app:1" }] } });
    let adoptedBy: string | undefined;
    const off = c.registry.subscribe((ch) => {
      if (ch.resource === "pods" && ch.object.metadata.uid === orphan.metadata.uid) adoptedBy ??= ch.object.metadata.ownerReferences?.find((r) => r.controller)?.uid;
    });
    const set = await sts("adopt", { replicas: 2 });
    await eventually(() => allReadyWith(2, "localhost/app:1"), "two ready pods", 10_000);
    off();
    expect(adoptedBy).toBe(set.metadata.uid!);
    // The adopted pod was not made from a revision of the set: the rolling update replaces it, as upstream's does.
    await eventually(() => (getSts("adopt").status as any)?.updatedReplicas === 2, "both pods on the set's revision", 10_000);
  });

  test("ordinals.start numbers the pods from there; Parallel scales down all at once", async () => {
    start();
    await sts("ord", { podManagementPolicy: "Parallel", ordinals: { start: 5 } });
    await eventually(() => allReadyWith(3, "localhost/app:1"), "ready", 10_000);
    expect(podNames()).toEqual(["ord-5", "ord-6", "ord-7"]);
    expect(claims().map((x) => x.metadata.name).sort()).toEqual(["data-ord-5", "data-ord-6", "data-ord-7"]);
    log = [];
    await update("ord", (s) => (s.replicas = 1));
    await eventually(() => podNames().join() === "ord-5", "scaled to 1", 10_000);
    // Both went in one pass, before either was confirmed gone.
    expect(log.filter((l) => l.startsWith("-")).sort()).toEqual(["-ord-6", "-ord-7"]);
  });
});
