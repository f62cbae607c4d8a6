// Watches indexed by resource and, for pods pinned to one node by their field selector, by
// node: a change is offered only to the watches it can concern, and each still sees exactly
// what its selector passes (a pod bound to its node, moved away, deleted).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openWatch } from "../../../src/api/watch.ts";
import { selectedNode } from "../../../src/api/watch-fanout.ts";
import { fieldMatcher } from "../../../src/api/selectors/index.ts";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { testCluster, type TestCluster } from "../controllers/cluster.ts";

let c: TestCluster;
beforeAll(async () => {
  c = await testCluster();
});
afterAll(() => c.close());

const pod = (name: string, nodeName?: string) => ({ metadata: { name, namespace: "default" }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "busybox" }] } });

describe("watch fan-out", () => {
  test("a node's pod watch is offered only its node's pods; a watch of all pods sees every one; other kinds reach neither", async () => {
    const pods = c.kind("pods");
    const offered = { a: 0, b: 0 };
    const seen: Record<string, string[]> = { a: [], b: [], all: [] };
    const watchOf = (node: "a" | "b") => {
      const selector = `spec.nodeName=node-${node}`;
      const m = fieldMatcher(pods, selector);
      return openWatch(c.registry, pods, { namespace: "default", resourceVersion: String(c.registry.store.revision), nodeName: selectedNode(selector), matches: (o: KubeObject) => (offered[node]++, m(o)) }, (type, o) => seen[node]!.push(`${type} ${o.metadata.name}`));
    };
    const stops = [watchOf("a"), watchOf("b"), openWatch(c.registry, pods, { namespace: "default", resourceVersion: String(c.registry.store.revision) }, (type, o) => seen.all!.push(`${type} ${o.metadata.name}`))];

    await c.registry.create(pods, "default", pod("on-a", "node-a"));
    await c.registry.create(pods, "default", pod("on-b", "node-b"));
    await c.registry.create(pods, "default", pod("pending"));
    await c.registry.create(c.kind("configmaps"), "default", { metadata: { name: "other-kind" } });
    // Bound later, as the scheduler binds.
    await c.registry.replace(pods, "default", "pending", (p) => ({ ...p!, spec: { ...(p!.spec as object), nodeName: "node-b" } }));
    await c.registry.delete(pods, "default", "on-a", { gracePeriodSeconds: 0 });
    for (const stop of stops) stop();

    expect(seen.a).toEqual(["ADDED on-a", "DELETED on-a"]);
    expect(seen.b).toEqual(["ADDED on-b", "ADDED pending"]);
    expect(seen.all).toEqual(["ADDED on-a", "ADDED on-b", "ADDED pending", "MODIFIED pending", "DELETED on-a"]);
    // Each watch was offered its own node's changes only (an ADDED is judged once, a later change before and after):
    // node a's pod added and deleted, node b's pod added and the pod bound to it; offered everything, each would judge 7 times.
    expect(offered.a).toBe(1 + 2);
    expect(offered.b).toBe(1 + 2);
  });

  test("the node comes only from an equality term on spec.nodeName", () => {
    expect(selectedNode("spec.nodeName=n1")).toBe("n1");
    expect(selectedNode("metadata.namespace=x,spec.nodeName==n2")).toBe("n2");
    expect(selectedNode("spec.nodeName=")).toBeUndefined();
    expect(selectedNode("spec.nodeName!=n1")).toBeUndefined();
    expect(selectedNode("status.phase=Running")).toBeUndefined();
    expect(selectedNode(null)).toBeUndefined();
  });
});

describe("pods by node", () => {
  test("a node's list reads the pods bound to it now: bound later, moved, deleted, and per namespace", async () => {
    const { PodsByNode } = await import("../../../src/api/pods-by-node.ts");
    const pods = c.kind("pods");
    await c.registry.create(c.kind("namespaces"), "", { metadata: { name: "other" } });
    await c.registry.create(pods, "default", pod("x1", "node-x"));
    const index = PodsByNode.of(c.registry, pods);
    await c.registry.create(pods, "other", { ...pod("x2", "node-x"), metadata: { name: "x2", namespace: "other" } });
    await c.registry.create(pods, "default", pod("later"));
    await c.registry.replace(pods, "default", "later", (p) => ({ ...p!, spec: { ...(p!.spec as object), nodeName: "node-x" } }));
    await c.registry.create(pods, "default", pod("y1", "node-y"));
    await c.registry.delete(pods, "default", "x1", { gracePeriodSeconds: 0 });
    const names = (node: string, ns?: string) => c.registry.list(pods, ns, fieldMatcher(pods, `spec.nodeName=${node}`), undefined, undefined, index.podsOn(node)).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(names("node-x")).toEqual(["default/later", "other/x2"]);
    expect(names("node-x", "other")).toEqual(["other/x2"]);
    expect(names("node-y")).toEqual(["default/y1"]);
    expect(names("node-z")).toEqual([]);
    // The same as filtering every pod.
    expect(names("node-x")).toEqual(c.registry.list(pods, undefined, fieldMatcher(pods, "spec.nodeName=node-x")).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
  });
});
