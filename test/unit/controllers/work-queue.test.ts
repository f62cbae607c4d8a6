// The controllers' work queue: delayed adds keep one timer per key, the earliest.
import { describe, expect, test } from "bun:test";
import { WorkQueue } from "../../../src/controllers/runtime/work-queue.ts";

const arrival = async (q: WorkQueue, from: number) => {
  const key = await q.get();
  q.done(key!);
  return { key, after: performance.now() - from };
};

describe("work queue delayed adds", () => {
  test("many requeues of one key hold one timer", () => {
    const q = new WorkQueue();
    for (let i = 0; i < 100; i++) q.addAfter("node-a", 10_000 + i);
    q.addAfter("node-b", 10_000);
    expect(q.delayed).toBe(2);
    q.stop();
    expect(q.delayed).toBe(0);
  });

  test("an earlier requeue replaces a later one", async () => {
    const q = new WorkQueue();
    const t = performance.now();
    q.addAfter("k", 5_000);
    q.addAfter("k", 20);
    const got = await arrival(q, t);
    expect(got.key).toBe("k");
    expect(got.after).toBeLessThan(2_000);
    expect(q.delayed).toBe(0);
    q.stop();
  });

  test("a later requeue does not postpone an earlier one", async () => {
    const q = new WorkQueue();
    const t = performance.now();
    q.addAfter("k", 20);
    q.addAfter("k", 5_000);
    const got = await arrival(q, t);
    expect(got.after).toBeLessThan(2_000);
    expect(q.delayed).toBe(0);
    q.stop();
  });

  test("retries back off per key and stop clears them", () => {
    const q = new WorkQueue(5, 1000);
    q.retry("x");
    q.retry("y");
    expect(q.delayed).toBe(2);
    q.stop();
    q.addAfter("z", 1);
    expect(q.delayed).toBe(0);
  });
});
