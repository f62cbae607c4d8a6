// Delayed wake-ups collapse to one per key, the earliest asked for.
import { expect, test } from "bun:test";
import { WakeTimers } from "../../../src/agent/wake-timers.ts";

test("many requests for one key make one pending wake-up that fires once", async () => {
  const fired: string[] = [];
  const wakes = new WakeTimers((k) => fired.push(k));
  for (let i = 0; i < 1000; i++) wakes.schedule("pod-a", 40 + (i % 7));
  wakes.schedule("pod-b", 40);
  expect(wakes.size).toBe(2);
  await Bun.sleep(300);
  expect(fired.sort()).toEqual(["pod-a", "pod-b"]);
  expect(wakes.size).toBe(0);
});

test("an earlier request replaces a later one; a later one is ignored", async () => {
  const fired: number[] = [];
  const t0 = Date.now();
  const wakes = new WakeTimers(() => fired.push(Date.now() - t0));
  wakes.schedule("p", 5_000);
  wakes.schedule("p", 30);
  wakes.schedule("p", 10_000);
  expect(wakes.size).toBe(1);
  await Bun.sleep(400);
  expect(fired.length).toBe(1);
  expect(fired[0]!).toBeLessThan(5_000);
  expect(wakes.size).toBe(0);
});

test("clear cancels every pending wake-up", async () => {
  let fired = 0;
  const wakes = new WakeTimers(() => fired++);
  wakes.schedule("a", 20);
  wakes.schedule("b", 20);
  wakes.clear();
  expect(wakes.size).toBe(0);
  await Bun.sleep(100);
  expect(fired).toBe(0);
});
