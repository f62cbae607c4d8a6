// The usage window: the agent reads container counters less often than the server pulls
// it, and stamps each sample with when it read it; rates must span the readings' own
// interval, never a pull interval over a repeated reading.
import { describe, expect, test } from "bun:test";
import { parseResourceMetrics, ResourceStatsCollector } from "../../../src/server/metrics/resource-stats.ts";
import { AgentMetrics } from "../../../src/agent/metrics.ts";
import { firstPullDelayMs } from "../../../src/server/metrics/pull-schedule.ts";

const agentText = (nodeCpu: number, nodeAt: number, cpu: number, containersAt: number) => `node_cpu_usage_seconds_total ${nodeCpu} ${nodeAt}
node_memory_working_set_bytes 1000 ${nodeAt}
container_cpu_usage_seconds_total{container="app",namespace="ns",pod="p"} ${cpu} ${containersAt}
container_memory_working_set_bytes{container="app",namespace="ns",pod="p"} 2048 ${containersAt}
`;

describe("usage window", () => {
  test("a pull that repeats the containers' reading keeps the last real interval", () => {
    const c = new ResourceStatsCollector();
    c.ingest("n", parseResourceMetrics(agentText(10, 1_000, 1, 900), 0));
    c.ingest("n", parseResourceMetrics(agentText(11, 6_000, 1, 900), 0)); // same container reading
    expect(c.stats().pods).toEqual([]);
    c.ingest("n", parseResourceMetrics(agentText(12, 11_000, 6, 10_900), 0)); // 5 cpu-seconds over 10 s
    c.ingest("n", parseResourceMetrics(agentText(13, 16_000, 6, 10_900), 0)); // repeated again
    const pods = c.stats().pods;
    expect(pods).toHaveLength(1);
    expect(pods[0]!.windowSeconds).toBe(10);
    expect(pods[0]!.at).toBe(10_900);
    expect(pods[0]!.containers[0]!.cpuCores).toBeCloseTo(0.5, 9);
    // The node's own figures use the node's stamps: 1 cpu-second over 5 s.
    expect(c.stats().nodes[0]!.cpuCores).toBeCloseTo(0.2, 9);
  });

  test("the agent stamps container samples with the time it read them", async () => {
    const m = new AgentMetrics();
    m.observeContainerStats([{ id: "a", cpuSeconds: 1.5, memoryWorkingSetBytes: 100 }], [{ id: "a", podUid: "u", name: "app", state: "running" } as never], () => ({ metadata: { namespace: "ns", name: "p" } }), 1_234_567);
    const sample = parseResourceMetrics(await m.resourceText(), 0);
    expect(sample.containersAt).toBe(1_234_567);
    expect(Math.abs(sample.at - Date.now())).toBeLessThan(60_000);
    expect(sample.containers).toEqual([{ namespace: "ns", pod: "p", container: "app", cpuSeconds: 1.5, memoryBytes: 100 }]);
  });

  test("pulls land shortly before each HPA sync when both run on the same period", () => {
    // Timers started together: syncs at 15, 30, … s; pulls at 12, 27, … s.
    expect(firstPullDelayMs(15_000, 15_000)).toBe(12_000);
    expect(firstPullDelayMs(5_000, 5_000)).toBeCloseTo(5_000 - 5_000 / 3, 6);
    // Pulls more often than syncs: one lands 3 s before each sync all the same (every 30 s, pulls at 7, 17, 27 s).
    expect(firstPullDelayMs(30_000, 10_000)).toBe(7_000);
  });
});
