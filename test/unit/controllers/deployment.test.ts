import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { replicaSetController } from "../../../src/controllers/replicaset/replicaset-controller.ts";
import { deploymentController } from "../../../src/controllers/deployment/deployment-controller.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { eventually, fakeKubelet, podTemplate, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let controllers: Controller[];
let informers: InformerFactory;
let stopKubelet: () => void;
const events: string[] = [];

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  const rec = (_o: KubeObject, _t: string, reason: string, message: string) => void events.push(`${reason}: ${message}`);
  const kinds = { pod: c.kind("pods"), replicaSet: c.kind("replicasets"), deployment: c.kind("deployments") };
  controllers = [replicaSetController(c.registry, informers, kinds, rec), deploymentController(c.registry, informers, kinds, rec)];
  for (const x of controllers) x.start();
  stopKubelet = fakeKubelet(c.registry);
});
afterEach(async () => {
  stopKubelet();
  await Promise.all(controllers.map((x) => x.stop()));
  informers.stop();
  await c.close();
});

const deploy = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = { app: name }) =>
  c.registry.create(c.kind("deployments"), "default", { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: podTemplate(labels), ...spec } });
const getDeploy = (name: string) => c.registry.get(c.kind("deployments"), "default", name);
const setDeploy = (name: string, change: (spec: any) => void) =>
  c.registry.replace(c.kind("deployments"), "default", name, (d) => {
    change(d!.spec);
    return d!;
  });
const sets = () => c.registry.list(c.kind("replicasets"), "default").items;
const pods = () => c.registry.list(c.kind("pods"), "default").items;
const imageOf = (o: KubeObject) => (o.spec as any).template.spec.containers[0].image;
const revision = (o: KubeObject) => o.metadata.annotations?.["deployment.kubernetes.io/revision"];
const cond = (d: KubeObject, type: string) => ((d.status as any)?.conditions ?? []).find((x: any) => x.type === type);

/** kubectl rollout status's completion test. */
function rolledOut(name: string): boolean {
  const d = getDeploy(name);
  const s = (d.status ?? {}) as any;
  const want = (d.spec as any).replicas;
  return s.observedGeneration >= d.metadata.generation! && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want;
}

describe("Deployment controller", () => {
  test("creates <name>-<hash> with the hash label, revision 1 and complete status", async () => {
    await deploy("web", { replicas: 3 });
    await eventually(() => rolledOut("web"), "rollout complete");
    const [rs] = sets();
    const hash = rs!.metadata.labels!["pod-template-hash"]!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect((rs!.spec as any).selector.matchLabels["pod-template-hash"]).toBe(hash);
    expect((rs!.spec as any).template.metadata.labels["pod-template-hash"]).toBe(hash);
    expect(rs!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Deployment", name: "web", controller: true });
    expect(revision(rs!)).toBe("1");
    expect(revision(getDeploy("web"))).toBe("1");
    expect(cond(getDeploy("web"), "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable" });
    expect(cond(getDeploy("web"), "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    expect(pods().length).toBe(3);
  });

  test("a rolling update never goes below replicas - maxUnavailable available nor above replicas + maxSurge", async () => {
    await deploy("web", { replicas: 4, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } } });
    await eventually(() => rolledOut("web"), "first rollout");
    await setDeploy("web", (s) => (s.template.spec.containers[0].image = "localhost/app:2"));
    let minAvailable = Infinity;
    let maxPods = 0;
    let samples = 0;
    await eventually(() => {
      const live = pods().filter((p) => !p.metadata.deletionTimestamp);
      const available = live.filter((p) => (p.status as any)?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True")).length;
      minAvailable = Math.min(minAvailable, available);
      maxPods = Math.max(maxPods, live.length);
      samples++;
      return rolledOut("web") && getDeploy("web").metadata.generation === 2 && sets().length === 2 && sets().every((rs) => (rs.spec as any).replicas === (imageOf(rs) === "localhost/app:2" ? 4 : 0));
    }, "second rollout", 10_000);
    expect(samples).toBeGreaterThan(5);
    expect(minAvailable).toBeGreaterThanOrEqual(3); // 4 - floor(25% of 4)
    expect(maxPods).toBeLessThanOrEqual(5); // 4 + 1
    expect(pods().every((p) => (p.spec as any).containers[0].image === "localhost/app:2")).toBe(true);
    expect(revision(getDeploy("web"))).toBe("2");
    expect(events.some((e) => /^ScalingReplicaSet: Scaled down replica set web-\w+ from \d+ to \d+$/.test(e))).toBe(true);
  });

  test("Recreate removes every old pod before creating new ones", async () => {
    await deploy("web", { replicas: 3, strategy: { type: "Recreate" } });
    await eventually(() => rolledOut("web"), "first rollout");
    let mixed = false;
    const off = c.registry.subscribe(() => {
      const images = new Set(pods().map((p) => (p.spec as any).containers[0].image));
      if (images.size > 1) mixed = true;
    });
    await setDeploy("web", (s) => (s.template.spec.containers[0].image = "localhost/app:2"));
    await eventually(() => rolledOut("web") && getDeploy("web").metadata.generation === 2 && pods().length === 3 && pods().every((p) => (p.spec as any).containers[0].image === "localhost/app:2"), "recreated", 10_000);
    off();
    expect(mixed).toBe(false);
  });

  test("a scale-only change resizes the current set", async () => {
    await deploy("web", { replicas: 3 });
    await eventually(() => rolledOut("web"), "rollout");
    const name = sets()[0]!.metadata.name;
    await setDeploy("web", (s) => (s.replicas = 6));
    await eventually(() => rolledOut("web") && pods().length === 6, "scaled to 6");
    expect(sets().map((rs) => rs.metadata.name)).toEqual([name]);
    expect(sets()[0]!.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"]).toBe("6");
  });

  test("rollback re-uses the old ReplicaSet with a new revision", async () => {
    await deploy("web", { replicas: 2 });
    await eventually(() => rolledOut("web"), "rev 1");
    const first = sets()[0]!;
    await setDeploy("web", (s) => (s.template.spec.containers[0].image = "localhost/app:2"));
    await eventually(() => rolledOut("web") && getDeploy("web").metadata.generation === 2 && sets().length === 2, "rev 2");
    // What `kubectl rollout undo` writes: the old set's template, hash label removed, with empty fields.
    const template = structuredClone((first.spec as any).template);
    delete template.metadata.labels["pod-template-hash"];
    template.metadata.creationTimestamp = null;
    template.spec.containers[0].resources = {};
    await setDeploy("web", (s) => (s.template = template));
    await eventually(() => rolledOut("web") && getDeploy("web").metadata.generation === 3 && revision(getDeploy("web")) === "3", "rev 3");
    expect(sets().length).toBe(2);
    const reused = c.registry.get(c.kind("replicasets"), "default", first.metadata.name!);
    expect(reused.metadata.uid).toBe(first.metadata.uid);
    expect(revision(reused)).toBe("3");
    expect((reused.spec as any).replicas).toBe(2);
  });

  test("revisionHistoryLimit prunes the oldest scaled-down sets", async () => {
    await deploy("web", { replicas: 1, revisionHistoryLimit: 1 });
    for (const image of ["localhost/app:2", "localhost/app:3"]) {
      await eventually(() => rolledOut("web"), "rollout");
      await setDeploy("web", (s) => (s.template.spec.containers[0].image = image));
    }
    await eventually(() => rolledOut("web") && getDeploy("web").metadata.generation === 3 && sets().length === 2, "pruned to 2 sets");
    expect(sets().map(imageOf).sort()).toEqual(["localhost/app:2", "localhost/app:3"]);
  });

  test("a paused Deployment does not roll out until resumed", async () => {
    await deploy("web", { replicas: 2 });
    await eventually(() => rolledOut("web"), "rollout");
    await setDeploy("web", (s) => (s.paused = true));
    await setDeploy("web", (s) => (s.template.spec.containers[0].image = "localhost/app:2"));
    await eventually(() => cond(getDeploy("web"), "Progressing")?.reason === "DeploymentPaused", "paused condition");
    await Bun.sleep(200);
    expect(sets().length).toBe(1);
    expect(cond(getDeploy("web"), "Progressing").status).toBe("Unknown");
    await setDeploy("web", (s) => (s.paused = false));
    await eventually(() => rolledOut("web") && sets().length === 2 && getDeploy("web").metadata.generation === 4, "resumed rollout");
  });

  test("progressDeadlineSeconds turns Progressing False with ProgressDeadlineExceeded", async () => {
    await deploy("web", { replicas: 1, progressDeadlineSeconds: 1 }, { app: "web", stuck: "yes" });
    const d = await eventually(() => {
      const x = getDeploy("web");
      return cond(x, "Progressing")?.reason === "ProgressDeadlineExceeded" && x;
    }, "deadline exceeded", 6000);
    expect(cond(d, "Progressing").status).toBe("False");
    expect(cond(d, "Progressing").message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
    expect(cond(d, "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
  });
});
