// The persistent-volume controller and the scheduler's volume binding on the simulated
// cluster (real registry and SQLite store, the real scheduler, nodes reported ready):
// local-path provisioning on the pod's node, static binding by class, modes, capacity and
// selector, node affinity of bound volumes, missing claims, pvc-protection, reclaim.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { startControlPlaneLoops, type ControlPlaneLoops } from "../../../src/controllers/index.ts";
import { bootstrapObjects } from "../../../src/server/bootstrap.ts";
import { eventually, readyNode, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let loops: ControlPlaneLoops;
const events: string[] = [];
const STORAGE = "/srv/skiff-test-storage";

beforeEach(async () => {
  c = await testCluster();
  await bootstrapObjects(c.registry);
  await readyNode(c.registry, "a");
  await readyNode(c.registry, "b");
  events.length = 0;
  loops = startControlPlaneLoops(c.registry, { localStoragePath: STORAGE, recordEvent: (o, _t, reason, message) => void events.push(`${o.kind}/${o.metadata.name} ${reason}: ${message}`) });
});
afterEach(async () => {
  await loops.stop();
  await c.close();
});

const claim = (name: string, spec: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("persistentvolumeclaims"), "default", { metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } });
const volume = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) =>
  c.registry.create(c.kind("persistentvolumes"), "", { metadata: { name, labels }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/srv/${name}` }, ...spec } });
const pod = (name: string, claimName: string, extra: Record<string, unknown> = {}) =>
  c.registry.create(c.kind("pods"), "default", { metadata: { name }, spec: { containers: [{ name: "app", image: "localhost/app:1" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName } }], ...extra } });
const getClaim = (name: string) => c.registry.tryGet(c.kind("persistentvolumeclaims"), "default", name) as any;
const getVolume = (name: string) => c.registry.tryGet(c.kind("persistentvolumes"), "", name) as any;
const nodeOf = (name: string) => (c.registry.tryGet(c.kind("pods"), "default", name)?.spec as any)?.nodeName as string | undefined;
const onNode = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } });
const bound = (name: string) => (getClaim(name)?.status?.phase === "Bound" ? getClaim(name) : undefined);

describe("persistent-volume controller with the scheduler", () => {
  test("a default-class claim waits for its pod, then gets a local-path volume on the pod's node", async () => {
    await claim("data");
    await eventually(() => getClaim("data")?.spec.storageClassName === "local-path", "the default class filled in");
    expect(getClaim("data").metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    await Bun.sleep(300);
    expect(getClaim("data").status.phase).toBe("Pending"); // WaitForFirstConsumer
    expect(c.registry.list(c.kind("persistentvolumes"), undefined).items).toEqual([]);

    await pod("app", "data");
    const node = await eventually(() => nodeOf("app"), "the pod bound");
    const claimed = await eventually(() => bound("data"), "the claim bound");
    expect(claimed.metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(node);
    const pvName = `pvc-${claimed.metadata.uid}`;
    expect(claimed.spec.volumeName).toBe(pvName);
    expect(claimed.status).toEqual({ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" } });
    const pv = await eventually(() => (getVolume(pvName)?.status?.phase === "Bound" ? getVolume(pvName) : undefined), "the volume Bound");
    expect(pv.spec.hostPath).toEqual({ path: `${STORAGE}/${pvName}`, type: "DirectoryOrCreate" });
    expect(pv.spec.nodeAffinity).toEqual(onNode(node));
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe("Delete");
    expect(pv.spec.claimRef).toMatchObject({ namespace: "default", name: "data", uid: claimed.metadata.uid });
    expect(pv.metadata.finalizers).toEqual(["kubernetes.io/pv-protection", "skiff.io/local-path-cleanup"]);
    expect(events).toContain(`PersistentVolumeClaim/data ProvisioningSucceeded: Successfully provisioned volume ${pvName} on node ${node}`);
  });

  test("pods placed at once on one unbound claim all end where its volume is provisioned", async () => {
    await claim("shared");
    // They would rather be apart (soft anti-affinity): only the volume keeps them together.
    const apart = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: "shared" } }, topologyKey: "kubernetes.io/hostname" } }] } };
    await Promise.all(
      [0, 1, 2, 3].map((i) =>
        c.registry.create(c.kind("pods"), "default", {
          metadata: { name: `s${i}`, labels: { app: "shared" } },
          spec: { affinity: apart, containers: [{ name: "app", image: "localhost/app:1" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "shared" } }] },
        }),
      ),
    );
    const nodes = await Promise.all([0, 1, 2, 3].map((i) => eventually(() => nodeOf(`s${i}`), `s${i} bound`, 10_000)));
    const pv = getVolume(getClaim("shared").spec.volumeName);
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual([nodes[0]]);
    expect(new Set(nodes).size).toBe(1);
    expect(c.registry.list(c.kind("persistentvolumes"), undefined).items.length).toBe(1);
    expect(events).toContain("PersistentVolumeClaim/shared WaitForFirstConsumer: waiting for first consumer to be created before binding");
  });

  test("a pod whose claim is bound to a local volume goes only to that volume's node", async () => {
    await volume("on-b", { storageClassName: "manual", hostPath: undefined, local: { path: "/srv/on-b" }, nodeAffinity: onNode("b") });
    await claim("pinned", { storageClassName: "manual" });
    await eventually(() => bound("pinned"), "the claim bound to the hand-made volume");
    expect(getClaim("pinned").spec.volumeName).toBe("on-b");
    for (let i = 0; i < 4; i++) await pod(`p${i}`, "pinned");
    for (let i = 0; i < 4; i++) expect(await eventually(() => nodeOf(`p${i}`), `p${i} bound`)).toBe("b");
    // With b cordoned the pods cannot go anywhere, and say why.
    await c.registry.replace(c.kind("nodes"), "", "b", (n) => ({ ...n!, spec: { unschedulable: true } }));
    await pod("late", "pinned");
    await eventually(() => events.find((e) => e.startsWith("Pod/late FailedScheduling")), "FailedScheduling for late");
    expect(events.find((e) => e.startsWith("Pod/late FailedScheduling"))).toBe("Pod/late FailedScheduling: 0/2 nodes are available: 1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable.");
  });

  test("static binding matches class, access modes, capacity and selector, the smallest fitting volume first", async () => {
    await volume("small", { storageClassName: "manual" }, { tier: "fast" });
    await volume("large", { storageClassName: "manual", capacity: { storage: "10Gi" } }, { tier: "fast" });
    await volume("slow", { storageClassName: "manual", capacity: { storage: "10Gi" } }, { tier: "slow" });
    await volume("shared", { storageClassName: "manual", accessModes: ["ReadWriteMany", "ReadWriteOnce"], capacity: { storage: "5Gi" } });
    await volume("other-class", { storageClassName: "other", capacity: { storage: "10Gi" } });
    await claim("fits-small", { storageClassName: "manual", selector: { matchLabels: { tier: "fast" } } });
    await claim("needs-2gi", { storageClassName: "manual", resources: { requests: { storage: "2Gi" } }, selector: { matchLabels: { tier: "fast" } } });
    await claim("needs-rwx", { storageClassName: "manual", accessModes: ["ReadWriteMany"] });
    await claim("needs-rox", { storageClassName: "manual", accessModes: ["ReadOnlyMany"] });
    await eventually(() => bound("fits-small") && bound("needs-2gi") && bound("needs-rwx"), "three claims bound");
    expect([getClaim("fits-small").spec.volumeName, getClaim("needs-2gi").spec.volumeName, getClaim("needs-rwx").spec.volumeName]).toEqual(["small", "large", "shared"]);
    expect(getClaim("needs-2gi").status.capacity).toEqual({ storage: "10Gi" });
    await Bun.sleep(300);
    expect(getClaim("needs-rox").status.phase).toBe("Pending");
    expect(getClaim("needs-rox").spec.volumeName).toBeUndefined();
    expect(getVolume("slow").status.phase).toBe("Available");
    expect(getVolume("other-class").status.phase).toBe("Available");
  });

  test("a pod whose claim is missing stays Pending with an event, and is placed once the claim exists", async () => {
    await pod("early", "later");
    await eventually(() => events.find((e) => e.startsWith("Pod/early FailedScheduling")), "FailedScheduling for early");
    expect(events).toContain('Pod/early FailedScheduling: 0/2 nodes are available: persistentvolumeclaim "later" not found.');
    expect(nodeOf("early")).toBeUndefined();
    await claim("later");
    await eventually(() => nodeOf("early"), "the pod bound once its claim exists", 10_000);
    expect(getClaim("later").status.phase).toBe("Bound");
  });

  test("a claim in use waits for its pod before it goes (pvc-protection); reclaim Delete removes the provisioned volume", async () => {
    await claim("busy");
    await pod("user", "busy");
    const claimed = await eventually(() => bound("busy"), "bound");
    await c.registry.delete(c.kind("persistentvolumeclaims"), "default", "busy");
    await Bun.sleep(300);
    expect(getClaim("busy")?.metadata.deletionTimestamp).toBeDefined();
    const pvName = claimed.spec.volumeName;
    expect(getVolume(pvName).metadata.deletionTimestamp).toBeUndefined();
    await c.registry.delete(c.kind("pods"), "default", "user", { gracePeriodSeconds: 0 });
    await eventually(() => !getClaim("busy"), "the claim gone once its pod is");
    // The volume is deleted; pv-protection lets go, the cleanup finalizer waits for the node's agent to remove the directory.
    await eventually(() => getVolume(pvName)?.metadata.finalizers?.length === 1 && getVolume(pvName), "the volume deleted, held by the cleanup finalizer only");
    expect(getVolume(pvName).metadata.deletionTimestamp).toBeDefined();
    expect(getVolume(pvName).metadata.finalizers).toEqual(["skiff.io/local-path-cleanup"]);
    await c.registry.replace(c.kind("persistentvolumes"), "", pvName, (cur) => ({ ...cur!, metadata: { ...cur!.metadata, finalizers: [] } }));
    await eventually(() => !getVolume(pvName), "the volume gone");
  });

  test("a bound volume deleted by hand waits for its claim (pv-protection)", async () => {
    await volume("guarded", { storageClassName: "manual" });
    await claim("guard", { storageClassName: "manual" });
    await eventually(() => bound("guard") && getVolume("guarded")?.metadata.finalizers?.includes("kubernetes.io/pv-protection"), "bound and protected");
    await c.registry.delete(c.kind("persistentvolumes"), "", "guarded");
    await Bun.sleep(300);
    expect(getVolume("guarded").metadata.deletionTimestamp).toBeDefined();
    expect(getClaim("guard").status.phase).toBe("Bound");
    await c.registry.delete(c.kind("persistentvolumeclaims"), "default", "guard");
    await eventually(() => !getVolume("guarded"), "the volume gone with its claim");
  });

  test("reclaim Retain keeps a released volume, Released; a pre-bound volume goes to its claim only", async () => {
    await volume("kept", { storageClassName: "manual", persistentVolumeReclaimPolicy: "Retain" });
    await volume("reserved", { storageClassName: "manual", claimRef: { namespace: "default", name: "owner" } });
    await claim("first", { storageClassName: "manual" });
    await eventually(() => bound("first"), "first bound");
    expect(getClaim("first").spec.volumeName).toBe("kept");
    await claim("owner", { storageClassName: "manual" });
    await eventually(() => bound("owner"), "owner bound");
    expect(getClaim("owner").spec.volumeName).toBe("reserved");
    await c.registry.delete(c.kind("persistentvolumeclaims"), "default", "first");
    await eventually(() => getVolume("kept")?.status?.phase === "Released", "the volume Released");
    expect(getVolume("kept").metadata.deletionTimestamp).toBeUndefined();
    // A released volume is not handed to the next claim: its data belongs to the old one.
    await claim("second", { storageClassName: "manual" });
    await Bun.sleep(300);
    expect(getClaim("second").status.phase).toBe("Pending");
  });
});
