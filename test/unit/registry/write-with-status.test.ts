// A server-internal write that sets spec and status in one revision (a binding), while
// ordinary writes keep ignoring the status they carry.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { testCluster, type TestCluster } from "../controllers/cluster.ts";

let c: TestCluster;
beforeEach(async () => {
  c = await testCluster();
  await c.registry.create(c.kind("pods"), "default", { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
});
afterEach(async () => {
  await c.close();
});

type PodShape = { spec: { nodeName?: string }; status?: { conditions?: { type: string; status: string }[] } };
const bind = (withStatus: boolean) =>
  c.registry.replace(c.kind("pods"), "default", "p", (cur) => {
    const pod = cur as unknown as PodShape;
    pod.spec.nodeName = "n1";
    pod.status = { conditions: [{ type: "PodScheduled", status: "True" }] };
    return cur!;
  }, { systemSpecWrite: true, withStatus });

describe("withStatus writes", () => {
  test("nodeName and the PodScheduled condition land in one revision", async () => {
    const before = c.registry.store.revision;
    const { object } = await bind(true);
    const pod = object as unknown as PodShape;
    expect(pod.spec.nodeName).toBe("n1");
    expect(pod.status?.conditions).toEqual([{ type: "PodScheduled", status: "True" }]);
    expect(c.registry.store.revision).toBe(before + 1);
  });

  test("without it the status in the body is dropped, as for any spec write", async () => {
    const { object } = await bind(false);
    const pod = object as unknown as PodShape;
    expect(pod.spec.nodeName).toBe("n1");
    expect(pod.status?.conditions ?? []).toEqual([]);
  });
});
