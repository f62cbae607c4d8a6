import { afterEach, beforeEach, expect, test } from "bun:test";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { BURST_REPLICAS, replicaSetController } from "../../../src/controllers/replicaset/replicaset-controller.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { eventually, podTemplate, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let controller: Controller;
let informers: InformerFactory;

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  controller = replicaSetController(c.registry, informers, { pod: c.kind("pods"), replicaSet: c.kind("replicasets") }, () => {});
});
afterEach(async () => {
  await controller.stop();
  informers.stop();
  await c.close();
});

const livePods = () => c.registry.list(c.kind("pods"), "default").items.filter((p) => !p.metadata.deletionTimestamp).length;

/** status.replicas as each sync of the set writes it: one value per sync that changed something. */
function recordStatusReplicas(name: string): number[] {
  const seen: number[] = [];
  const replicas = (o: { [key: string]: unknown } | undefined) => (o?.status as { replicas?: number } | undefined)?.replicas ?? 0;
  c.registry.addAdmission((op, kind, next, old) => {
    if (op === "update" && kind.kind === "ReplicaSet" && next.metadata.name === name && replicas(next) !== replicas(old)) seen.push(replicas(next));
  });
  return seen;
}

test("one sync creates at most 500 pods, then the next syncs continue", async () => {
  expect(BURST_REPLICAS).toBe(500);
  const seen = recordStatusReplicas("big");
  controller.start();
  await c.registry.create(c.kind("replicasets"), "default", { metadata: { name: "big" }, spec: { replicas: 1100, selector: { matchLabels: { app: "big" } }, template: podTemplate({ app: "big" }) } });
  await eventually(() => seen.includes(1100), "status.replicas 1100", 60_000);
  expect(livePods()).toBe(1100);
  // Each sync reports what it reached: never more than a burst beyond the last report.
  expect(seen[0]).toBe(500);
  seen.reduce((prev, r) => (expect(r - prev).toBeLessThanOrEqual(BURST_REPLICAS), r), 0);

  // Scaling down deletes at most 500 per sync too.
  seen.length = 0;
  await c.registry.replace(c.kind("replicasets"), "default", "big", (r) => ({ ...r!, spec: { ...(r!.spec as object), replicas: 0 } }));
  await eventually(() => seen.includes(0), "status.replicas 0", 60_000);
  expect(seen[0]).toBe(600);
  expect(livePods()).toBe(0);
}, 120_000);
