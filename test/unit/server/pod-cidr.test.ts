// Node pod subnets: unique even among nodes created in the same group commit, handed out
// round the range (not searched from its start each time), a deleted node's subnet free
// again, and 503 once the cluster CIDR is used up.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { podCidrAllocator } from "../../../src/server/pod-cidr.ts";
import { testCluster, type TestCluster } from "../controllers/cluster.ts";

let c: TestCluster;
beforeAll(async () => {
  c = await testCluster();
  podCidrAllocator(c.registry, "10.9.0.0/22");
});
afterAll(() => c.close());

const cidrOf = (name: string) => (c.registry.tryGet(c.kind("nodes"), "", name)!.spec as { podCIDR: string }).podCIDR;

test("four nodes at once get the four subnets; a deleted node's subnet goes to the next node; a fifth gets 503", async () => {
  const nodes = c.kind("nodes");
  await Promise.all(["a", "b", "c", "d"].map((name) => c.registry.create(nodes, "", { metadata: { name } })));
  expect(["a", "b", "c", "d"].map(cidrOf).sort()).toEqual(["10.9.0.0/24", "10.9.1.0/24", "10.9.2.0/24", "10.9.3.0/24"]);
  const freed = cidrOf("b");
  await c.registry.delete(nodes, "", "b");
  await c.registry.create(nodes, "", { metadata: { name: "e" } });
  expect(cidrOf("e")).toBe(freed);
  const refused = await c.registry.create(nodes, "", { metadata: { name: "f" } }).catch((e) => e);
  expect(refused).toMatchObject({ code: 503, message: "no pod subnet left in 10.9.0.0/22" });
  // An update keeps the node's subnet.
  await c.registry.replace(nodes, "", "e", (n) => ({ ...n!, metadata: { ...n!.metadata, labels: { x: "y" } } }));
  expect(cidrOf("e")).toBe(freed);
});
