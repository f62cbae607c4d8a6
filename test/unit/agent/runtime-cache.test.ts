// The agent's runtime cache: listings that began before a worker's change must not undo it.
import { describe, expect, test } from "bun:test";
import { RuntimeCache } from "../../../src/agent/runtime-cache.ts";
import type { ContainerInfo, LabelFilter, RuntimeDriver, SandboxInfo } from "../../../src/agent/runtime/types.ts";
import { LABEL_POD_UID } from "../../../src/agent/runtime/labels.ts";

const container = (id: string, podUid: string, state: ContainerInfo["state"] = "running"): ContainerInfo => ({ id, name: "main", podUid, sandboxId: `sb-${podUid}`, state, labels: {}, image: "img", imageID: "", attempt: 0 });
const sandbox = (podUid: string): SandboxInfo => ({ id: `sb-${podUid}`, podUid, podName: podUid, namespace: "default", state: "ready", labels: {} });

/** A runtime whose listings answer only when the test lets them, with what it holds then. */
function slowRuntime() {
  const containers: ContainerInfo[] = [];
  const sandboxes: SandboxInfo[] = [];
  const gates: (() => void)[] = [];
  const gate = () => new Promise<void>((r) => gates.push(r));
  const match = (filter: LabelFilter | undefined, uid: string) => !filter?.[LABEL_POD_UID] || filter[LABEL_POD_UID] === uid;
  const driver = {
    async listContainers(filter?: LabelFilter) {
      const now = containers.filter((c) => match(filter, c.podUid));
      await gate();
      return now;
    },
    async listSandboxes(filter?: LabelFilter) {
      const now = sandboxes.filter((s) => match(filter, s.podUid));
      await gate();
      return now;
    },
  } as unknown as RuntimeDriver;
  return { driver, containers, sandboxes, release: () => gates.splice(0).forEach((r) => r()) };
}

describe("runtime cache", () => {
  test("a full listing fills it and drops what is gone", async () => {
    const rt = slowRuntime();
    const cache = new RuntimeCache(rt.driver, "n1");
    rt.containers.push(container("c1", "p1"), container("c2", "p2"));
    rt.sandboxes.push(sandbox("p1"), sandbox("p2"));
    const listing = cache.relist();
    rt.release();
    await listing;
    expect(cache.listed).toBe(true);
    expect(cache.snapshot().containers.map((c) => c.id).sort()).toEqual(["c1", "c2"]);
    rt.containers.splice(1);
    rt.sandboxes.splice(1);
    const again = cache.relist();
    rt.release();
    await again;
    expect(cache.snapshot().containers.map((c) => c.id)).toEqual(["c1"]);
    expect(cache.sandboxesOf("p2")).toEqual([]);
  });

  test("a pod a worker changed while a listing ran keeps the worker's record", async () => {
    const rt = slowRuntime();
    const cache = new RuntimeCache(rt.driver, "n1");
    rt.containers.push(container("old", "p1", "exited"), container("c2", "p2", "exited"));
    const listing = cache.relist();
    // Meanwhile the worker of p1 starts a new container and records it; p2 is untouched.
    cache.putContainer(container("new", "p1"));
    rt.release();
    await listing;
    expect(cache.containersOf("p1").map((c) => c.id)).toEqual(["new"]);
    expect(cache.containersOf("p2").map((c) => c.state)).toEqual(["exited"]);
  });

  test("a pod refresh overtaken by a worker's change says so, and a later one applies", async () => {
    const rt = slowRuntime();
    const cache = new RuntimeCache(rt.driver, "n1");
    rt.containers.push(container("c1", "p1"));
    const refresh = cache.refreshPod("p1");
    cache.removeContainer(container("c1", "p1"));
    rt.release();
    expect(await refresh).toBe(false);
    expect(cache.containersOf("p1")).toEqual([]);
    const second = cache.refreshPod("p1");
    rt.release();
    expect(await second).toBe(true);
    expect(cache.containersOf("p1").map((c) => c.id)).toEqual(["c1"]);
  });

  test("a forgotten pod stays forgotten when an older listing comes back", async () => {
    const rt = slowRuntime();
    const cache = new RuntimeCache(rt.driver, "n1");
    cache.putSandbox(sandbox("p1"));
    rt.sandboxes.push(sandbox("p1"));
    const listing = cache.relist();
    cache.forgetPod("p1");
    rt.release();
    await listing;
    expect(cache.sandboxesOf("p1")).toEqual([]);
  });
});
