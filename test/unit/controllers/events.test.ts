// The event recorder: one Event per (object, reason, message), repeats counted, and a
// burst of events for different objects written without waiting for one another.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { eventRecorder } from "../../../src/controllers/events.ts";
import { testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
beforeEach(async () => {
  c = await testCluster();
});
afterEach(async () => {
  await c.close();
});

const pod = (i: number) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}`, namespace: "default", uid: `uid-${i}`, resourceVersion: "1" } });
const events = () => c.registry.list(c.kind("events"), "default").items as unknown as { reason: string; message: string; count: number; involvedObject: { name: string } }[];

describe("eventRecorder", () => {
  test("a burst for many objects is written in a few group commits, one Event each", async () => {
    const r = eventRecorder(c.registry, c.kind("events"), "default-scheduler");
    const commits = c.registry.store.groupCommits;
    for (let i = 0; i < 200; i++) r.record(pod(i) as never, "Normal", "Scheduled", `Successfully assigned default/p${i} to n1`);
    await r.flush();
    expect(events().length).toBe(200);
    // Written one after another this would take 200 commits.
    expect(c.registry.store.groupCommits - commits).toBeLessThan(20);
  });

  test("repeats of one event, recorded back to back, count up on one Event", async () => {
    const r = eventRecorder(c.registry, c.kind("events"), "node-controller");
    for (let i = 0; i < 5; i++) r.record(pod(1) as never, "Warning", "FailedScheduling", "0/3 nodes are available");
    r.record(pod(1) as never, "Warning", "FailedScheduling", "0/4 nodes are available");
    await r.flush();
    const byMessage = new Map(events().map((e) => [e.message, e.count]));
    expect(byMessage.get("0/3 nodes are available")).toBe(5);
    expect(byMessage.get("0/4 nodes are available")).toBe(1);
    expect(events().length).toBe(2);
  });
});
