// The since-creation availability survives a restart: the stored form and the tracker
// (test/api/availability-restart.test.ts restarts a real server).
import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { AvailabilityTracker } from "../../../src/server/metrics/availability.ts";
import { formatRecords, parseRecords, type AvailabilityRecords, type AvailabilityStore } from "../../../src/server/metrics/availability-store.ts";
import { RESOURCES, staticSource } from "../../../src/server/metrics/object-source.ts";

const node = (name: string, ready: string, uid = `uid-${name}`): KubeObject => ({ metadata: { name, uid }, status: { conditions: [{ type: "Ready", status: ready }] } });

function memoryStore(initial: AvailabilityRecords = new Map()): AvailabilityStore & { records: AvailabilityRecords } {
  const s = {
    records: initial,
    load: async () => new Map(s.records),
    save: async (r: AvailabilityRecords) => void (s.records = new Map(r)),
  };
  return s;
}

describe("stored availability seconds", () => {
  test("round-trip through the ConfigMap's text; damaged or impossible entries are dropped", () => {
    const records: AvailabilityRecords = new Map([["u1", { up: 1.23456, observed: 2 }]]);
    expect(parseRecords({ metadata: { name: "x" }, data: { "seconds.json": formatRecords(records) } })).toEqual(new Map([["u1", { up: 1.235, observed: 2 }]]));
    const bad = { metadata: { name: "x" }, data: { "seconds.json": JSON.stringify({ a: [5, 1], b: "x", c: [1, 2], d: [-1, 2] }) } };
    expect([...parseRecords(bad).keys()]).toEqual(["c"]);
    expect(parseRecords({ metadata: { name: "x" }, data: { "seconds.json": "{not json" } }).size).toBe(0);
    expect(parseRecords(undefined).size).toBe(0);
  });

  test("a restarted tracker continues the ratio since creation; its counters start at zero", async () => {
    let clock = 1_000_000;
    const store = memoryStore();
    const nodes = [node("n1", "False")];
    const first = new AvailabilityTracker({ source: staticSource({ [RESOURCES.nodes]: nodes }), registers: [new Registry()], now: () => clock, store });
    first.start(60_000);
    await first.restore();
    for (let i = 0; i < 3; i++) (clock += 1000), first.tick();
    (nodes[0]!.status as { conditions: { status: string }[] }).conditions[0]!.status = "True";
    (clock += 1000), first.tick();
    await first.stop();
    expect(store.records.get("uid-n1")).toEqual({ up: 1, observed: 4 });

    const registry = new Registry();
    const second = new AvailabilityTracker({ source: staticSource({ [RESOURCES.nodes]: nodes }), registers: [registry], now: () => clock, store });
    second.tick();
    await second.restore();
    for (let i = 0; i < 4; i++) (clock += 1000), second.tick();
    expect(second.state("Node", "", "n1")).toMatchObject({ up: true, upSeconds: 5, observedSeconds: 8, ratio: 5 / 8 });
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]!.value;
    expect(await value("skiff_availability_observed_seconds_total")).toBe(4);
    expect(await value("skiff_availability_ratio")).toBe(5 / 8);
    await second.stop();
    expect(store.records.get("uid-n1")).toEqual({ up: 5, observed: 8 });
  });

  test("a name created again (new uid) does not inherit the old object's seconds", async () => {
    let clock = 0;
    const store = memoryStore(new Map([["old-uid", { up: 0, observed: 100 }]]));
    const t = new AvailabilityTracker({ source: staticSource({ [RESOURCES.nodes]: [node("n1", "True", "new-uid")] }), registers: [new Registry()], now: () => clock, store });
    await t.restore();
    t.tick();
    (clock += 2000), t.tick();
    expect(t.state("Node", "", "n1")).toMatchObject({ upSeconds: 2, observedSeconds: 2, ratio: 1 });
    await t.save();
    expect([...store.records.keys()]).toEqual(["new-uid"]);
  });
});
