// The replica calculator against upstream's own cases (replica_calculator_test.go): each
// case names the upstream test it follows, with its pods, usage and expected result.
import { describe, expect, test } from "bun:test";
import { calculateReplicas, CalculationError, CPU_INITIALIZATION_PERIOD_MS, type PodFacts, type PodMetric, type ResourceTarget } from "../../../../src/controllers/hpa/replica-calculator.ts";

const NOW = 10_000_000;
const LONG_AGO = NOW - 2 * CPU_INITIALIZATION_PERIOD_MS;

type Case = {
  current: number;
  /** Usage per pod in millicores; undefined = no metric for that pod. */
  levels: (number | undefined)[];
  requests?: number[];
  ready?: ("True" | "False")[];
  phases?: string[];
  target: ResourceTarget;
  resource?: string;
};

function run(c: Case) {
  const n = Math.max(c.levels.length, c.ready?.length ?? 0, c.phases?.length ?? 0);
  const pods: PodFacts[] = [];
  const metrics = new Map<string, PodMetric>();
  for (let i = 0; i < n; i++) {
    const name = `pod-${i}`;
    pods.push({
      name,
      phase: c.phases?.[i] ?? "Running",
      // Upstream's fixtures: started long ago; unready pods turned unready right at start (never ready).
      startTime: LONG_AGO,
      ready: { status: c.ready?.[i] ?? "True", lastTransition: c.ready?.[i] === "False" ? LONG_AGO + 1000 : LONG_AGO },
      requests: [{ container: "app", milli: c.requests?.[i] ?? 1000 }],
    });
    const level = c.levels[i];
    if (level !== undefined) metrics.set(name, { milli: level, timestamp: NOW - 5000, windowMs: 30_000 });
  }
  return calculateReplicas({ resource: c.resource ?? "cpu", target: c.target, currentReplicas: c.current, pods, metrics, now: NOW });
}

describe("replica calculator (upstream cases)", () => {
  test("TestReplicaCalcScaleUp: 50% of requests against 30% → 5", () => {
    expect(run({ current: 3, levels: [300, 500, 700], target: { utilization: 30 } })).toMatchObject({ replicas: 5, utilization: 50 });
  });
  test("TestReplicaCalcScaleUpUnreadyLessScale: an unready pod counts as 0 % on a scale-up → 4", () => {
    expect(run({ current: 3, levels: [300, 500, 700], ready: ["False", "True", "True"], target: { utilization: 30 } })).toMatchObject({ replicas: 4, utilization: 60 });
  });
  test("TestReplicaCalcScaleUpIgnoresFailedPods → 4", () => {
    expect(run({ current: 2, levels: [500, 700], ready: ["True", "True", "False", "False"], phases: ["Running", "Running", "Failed", "Failed"], target: { utilization: 30 } })).toMatchObject({ replicas: 4, utilization: 60 });
  });
  test("TestReplicaCalcScaleDown → 3", () => {
    expect(run({ current: 5, levels: [100, 300, 500, 250, 250], target: { utilization: 50 } })).toMatchObject({ replicas: 3, utilization: 28 });
  });
  test("TestReplicaCalcScaleDownIncludeUnreadyPods: unready pods are left out of a scale-down → 2", () => {
    expect(run({ current: 5, levels: [100, 300, 500, 250, 250], ready: ["True", "True", "True", "False", "False"], target: { utilization: 50 } })).toMatchObject({ replicas: 2, utilization: 30 });
  });
  test("TestReplicaCalcTolerance: 102 % of a 100 % target is no change", () => {
    expect(run({ current: 3, levels: [1010, 1030, 1020], requests: [900, 1000, 1100], target: { utilization: 100 } })).toMatchObject({ replicas: 3, utilization: 102 });
  });
  test("just past the tolerance (115 %) scales", () => {
    expect(run({ current: 3, levels: [1150, 1150, 1150], target: { utilization: 100 } }).replicas).toBe(4);
  });
  test("TestReplicaCalcMissingMetricsNoChangeEq", () => {
    expect(run({ current: 2, levels: [1000, undefined], target: { utilization: 100 } })).toMatchObject({ replicas: 2, utilization: 100 });
  });
  test("TestReplicaCalcMissingMetricsNoChangeGt: a missing pod at 0 % turns the scale-up around → no change", () => {
    expect(run({ current: 2, levels: [1900, undefined], target: { utilization: 100 } })).toMatchObject({ replicas: 2, utilization: 190 });
  });
  test("TestReplicaCalcMissingMetricsNoChangeLt: a missing pod at 100 % on a scale-down", () => {
    expect(run({ current: 2, levels: [600, undefined], target: { utilization: 100 } })).toMatchObject({ replicas: 2, utilization: 60 });
  });
  test("TestReplicaCalcMissingMetricsUnreadyChange → 3", () => {
    expect(run({ current: 3, levels: [100, 450, undefined], ready: ["False", "True", "True"], target: { utilization: 50 } })).toMatchObject({ replicas: 3, utilization: 45 });
  });
  test("TestReplicaCalcMissingMetricsUnreadyScaleUp → 4", () => {
    expect(run({ current: 3, levels: [100, 2000, undefined], ready: ["False", "True", "True"], target: { utilization: 50 } })).toMatchObject({ replicas: 4, utilization: 200 });
  });
  test("TestReplicaCalcMissingMetricsUnreadyScaleDown → 3", () => {
    expect(run({ current: 4, levels: [100, 100, 100, undefined], ready: ["False", "True", "True", "True"], target: { utilization: 50 } })).toMatchObject({ replicas: 3, utilization: 10 });
  });
  test("memory ignores readiness: only Pending pods are left out", () => {
    const mib = 1024 * 1024 * 1000;
    const r = run({ resource: "memory", current: 2, levels: [200 * mib, 200 * mib], ready: ["False", "True"], requests: [100 * mib, 100 * mib], target: { utilization: 100 } });
    expect(r).toMatchObject({ replicas: 4, utilization: 200 });
  });
  test("AverageValue: 500m per pod against 250m doubles, and reports the average", () => {
    expect(run({ current: 3, levels: [500, 500, 500], target: { averageMilli: 250 } })).toMatchObject({ replicas: 6, averageMilli: 500 });
    expect(run({ current: 3, levels: [260, 240, 250], target: { averageMilli: 250 } }).replicas).toBe(3);
  });
  test("AverageValue with a missing pod on a scale-down counts it at the target", () => {
    // 100m on two pods, a third missing at 250m: average 150 → ratio 0.6 → ceil(1.8) = 2.
    expect(run({ current: 3, levels: [100, 100, undefined], target: { averageMilli: 250 } }).replicas).toBe(2);
  });
  test("a pod still starting whose sample predates a full window after readiness counts as unready", () => {
    const pods: PodFacts[] = [
      { name: "a", phase: "Running", startTime: NOW - 20_000, ready: { status: "True", lastTransition: NOW - 10_000 }, requests: [{ container: "app", milli: 1000 }] },
      { name: "b", phase: "Running", startTime: LONG_AGO, ready: { status: "True", lastTransition: LONG_AGO }, requests: [{ container: "app", milli: 1000 }] },
    ];
    const metrics = new Map<string, PodMetric>([["a", { milli: 1000, timestamp: NOW - 5000, windowMs: 15_000 }], ["b", { milli: 1000, timestamp: NOW - 5000, windowMs: 15_000 }]]);
    // b alone is at 100 % of a 50 % target (×2), but a (unready, so 0 %) brings the average back to 50 %: no change.
    expect(calculateReplicas({ resource: "cpu", target: { utilization: 50 }, currentReplicas: 2, pods, metrics, now: NOW }).replicas).toBe(2);
    expect(calculateReplicas({ resource: "cpu", target: { utilization: 25 }, currentReplicas: 2, pods, metrics, now: NOW }).replicas).toBe(4);
  });
  test("errors carry upstream's wording", () => {
    const pods: PodFacts[] = [{ name: "web-1", phase: "Running", startTime: LONG_AGO, ready: { status: "True", lastTransition: LONG_AGO }, requests: [{ container: "app", milli: undefined }] }];
    const metrics = new Map<string, PodMetric>([["web-1", { milli: 100, timestamp: NOW, windowMs: 15_000 }]]);
    expect(() => calculateReplicas({ resource: "cpu", target: { utilization: 50 }, currentReplicas: 1, pods, metrics, now: NOW })).toThrow(new CalculationError("missing request for cpu in container app of Pod web-1"));
    expect(() => calculateReplicas({ resource: "cpu", target: { utilization: 50 }, currentReplicas: 1, pods, metrics: new Map(), now: NOW })).toThrow("no metrics returned from resource metrics API");
    const pending = [{ ...pods[0]!, phase: "Pending" }];
    expect(() => calculateReplicas({ resource: "cpu", target: { utilization: 50 }, currentReplicas: 1, pods: pending, metrics, now: NOW })).toThrow("did not receive metrics for targeted pods (pods might be unready)");
  });
  test("ContainerResource counts only the named container's requests", () => {
    const pods: PodFacts[] = [{ name: "p", phase: "Running", startTime: LONG_AGO, ready: { status: "True", lastTransition: LONG_AGO }, requests: [{ container: "app", milli: 200 }, { container: "sidecar", milli: undefined }] }];
    const metrics = new Map<string, PodMetric>([["p", { milli: 200, timestamp: NOW, windowMs: 15_000 }]]);
    expect(calculateReplicas({ resource: "cpu", container: "app", target: { utilization: 50 }, currentReplicas: 1, pods, metrics, now: NOW })).toMatchObject({ replicas: 2, utilization: 100 });
  });
});
