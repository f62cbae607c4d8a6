// NoExecute taints evict pods on the simulated cluster (real registry and SQLite store):
// untolerated at once, tolerated for tolerationSeconds after the taint, forever without it.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { taintEvictionController } from "../../../src/controllers/taint-eviction.ts";
import { bindPod } from "../../../src/server/pod-subresources.ts";
import { nowTimestamp } from "../../../src/api/registry/metadata.ts";
import { eventually, readyNode, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let controller: Controller;
const events: string[] = [];

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  events.length = 0;
  controller = taintEvictionController(c.registry, informers, { node: c.kind("nodes"), pod: c.kind("pods") }, (_o, _t, reason, message) => void events.push(`${reason}: ${message}`));
  controller.start();
});
afterEach(async () => {
  await controller.stop();
  informers.stop();
  await c.close();
});

const boundPod = async (name: string, tolerations?: unknown[]) => {
  await c.registry.create(c.kind("pods"), "default", { metadata: { name }, spec: { containers: [{ name: "app", image: "x" }], ...(tolerations ? { tolerations } : {}) } });
  await bindPod(c.registry, "default", name, "n1");
};
const deleting = (name: string) => {
  const p = c.registry.tryGet(c.kind("pods"), "default", name);
  return !p || !!p.metadata.deletionTimestamp;
};

describe("taint eviction", () => {
  test("NoExecute evicts untolerated pods now, tolerationSeconds later, unlimited tolerations never", async () => {
    await readyNode(c.registry, "n1");
    await boundPod("plain");
    await boundPod("brief", [{ key: "maintenance", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 }]);
    await boundPod("forever", [{ key: "maintenance", operator: "Exists", effect: "NoExecute" }]);
    await boundPod("other-key", [{ key: "something-else", operator: "Exists", effect: "NoExecute" }]);
    // NoSchedule alone evicts nothing.
    await c.registry.replace(c.kind("nodes"), "", "n1", (n) => ({ ...n!, spec: { taints: [{ key: "maintenance", effect: "NoSchedule" }] } }));
    await Bun.sleep(300);
    expect(["plain", "brief", "forever", "other-key"].some(deleting)).toBe(false);

    const tainted = Date.now();
    await c.registry.replace(c.kind("nodes"), "", "n1", (n) => ({ ...n!, spec: { taints: [{ key: "maintenance", effect: "NoExecute", timeAdded: nowTimestamp() }] } }));
    await eventually(() => deleting("plain") && deleting("other-key"), "untolerated pods evicted");
    expect(deleting("brief")).toBe(false);
    await eventually(() => deleting("brief"), "tolerationSeconds elapsed", 10_000);
    // Taint timestamps have whole seconds: allow for the truncation.
    expect(Date.now() - tainted).toBeGreaterThanOrEqual(1000);
    await Bun.sleep(500);
    expect(deleting("forever")).toBe(false);
    expect(events).toContain("TaintManagerEviction: Marking for deletion Pod default/plain");
  });

  test("removing the taint before tolerationSeconds keeps the pod; a new pod on a tainted node is evicted", async () => {
    await readyNode(c.registry, "n1", { taints: [{ key: "dedicated", effect: "NoExecute" }] });
    await boundPod("tolerant", [{ key: "dedicated", operator: "Exists", effect: "NoExecute", tolerationSeconds: 2 }]);
    await boundPod("late");
    await eventually(() => deleting("late"), "pod bound onto a NoExecute node evicted");
    await c.registry.replace(c.kind("nodes"), "", "n1", (n) => ({ ...n!, spec: {} }));
    await Bun.sleep(3000);
    expect(deleting("tolerant")).toBe(false);
  });
});
