// Bounds, stabilization windows and scaling policies against upstream's documented cases
// (the HPA "Support for configurable scaling behavior" docs and horizontal_test.go).
import { describe, expect, test } from "bun:test";
import { newHistory, normalizeWithBehavior, normalizeWithoutBehavior, recordScale, scaleDownLimit, scaleUpLimit, type Behavior } from "../../../../src/controllers/hpa/scaling-rules.ts";

const T0 = 1_000_000_000;
const s = (seconds: number) => T0 + seconds * 1000;

describe("without behavior (upstream's older rules)", () => {
  test("scale-up is capped at max(2×current, 4), then at maxReplicas", () => {
    expect(normalizeWithoutBehavior(newHistory(), 1, 10, 1, 20, T0)).toMatchObject({ replicas: 4, scalingLimited: { status: "True", reason: "ScaleUpLimit" } });
    expect(normalizeWithoutBehavior(newHistory(), 5, 30, 1, 20, T0)).toMatchObject({ replicas: 10, scalingLimited: { status: "True", reason: "ScaleUpLimit" } });
    expect(normalizeWithoutBehavior(newHistory(), 8, 30, 1, 10, T0)).toMatchObject({ replicas: 10, scalingLimited: { status: "True", reason: "TooManyReplicas" } });
    expect(normalizeWithoutBehavior(newHistory(), 3, 0, 2, 10, T0)).toMatchObject({ replicas: 2, scalingLimited: { status: "True", reason: "TooFewReplicas" } });
    expect(normalizeWithoutBehavior(newHistory(), 3, 5, 2, 10, T0)).toMatchObject({ replicas: 5, ableToScale: { reason: "ReadyForNewScale" }, scalingLimited: { status: "False", reason: "DesiredWithinRange" } });
  });
  test("scale-down takes the highest recommendation of the last 5 minutes", () => {
    const h = newHistory();
    normalizeWithoutBehavior(h, 5, 5, 1, 10, s(0));
    expect(normalizeWithoutBehavior(h, 5, 2, 1, 10, s(60))).toMatchObject({ replicas: 5, ableToScale: { status: "True", reason: "ScaleDownStabilized" } });
    expect(normalizeWithoutBehavior(h, 5, 2, 1, 10, s(301)).replicas).toBe(2);
  });
});

describe("behavior", () => {
  test("default scale-up: max(4 pods, 100 %) per 15 s", () => {
    const h = newHistory();
    expect(normalizeWithBehavior(h, {}, 1, 20, 1, 100, T0)).toMatchObject({ replicas: 5, scalingLimited: { status: "True", reason: "ScaleUpLimit" } });
    expect(normalizeWithBehavior(newHistory(), {}, 10, 50, 1, 100, T0).replicas).toBe(20);
    expect(normalizeWithBehavior(newHistory(), {}, 10, 50, 1, 15, T0)).toMatchObject({ replicas: 15, scalingLimited: { reason: "TooManyReplicas" } });
  });
  test("docs example: Pods 4 / Percent 10 per 60 s, 80 → 10 takes 8 then 8 (10 % of 72 rounded down to 64)", () => {
    const behavior: Behavior = { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 4, periodSeconds: 60 }, { type: "Percent", value: 10, periodSeconds: 60 }] } };
    const h = newHistory();
    const first = normalizeWithBehavior(h, behavior, 80, 10, 1, 100, s(0));
    expect(first).toMatchObject({ replicas: 72, scalingLimited: { status: "True", reason: "ScaleDownLimit" } });
    recordScale(h, behavior, 80, 72, s(0));
    // Within the same period the 8 already removed count: nothing more may go.
    expect(normalizeWithBehavior(h, behavior, 72, 10, 1, 100, s(30)).replicas).toBe(72);
    // A period later: 10 % of 72 leaves 64.
    expect(normalizeWithBehavior(h, behavior, 72, 10, 1, 100, s(61)).replicas).toBe(64);
  });
  test("selectPolicy Min picks the smaller change, Disabled none", () => {
    const rules = { policies: [{ type: "Pods" as const, value: 4, periodSeconds: 60 }, { type: "Percent" as const, value: 10, periodSeconds: 60 }] };
    expect(scaleDownLimit(80, newHistory(), { ...rules, selectPolicy: "Min" }, T0)).toBe(76);
    expect(scaleUpLimit(80, newHistory(), { ...rules, selectPolicy: "Min" }, T0)).toBe(84);
    expect(scaleUpLimit(80, newHistory(), { ...rules, selectPolicy: "Max" }, T0)).toBe(88);
    expect(normalizeWithBehavior(newHistory(), { scaleUp: { selectPolicy: "Disabled" } }, 3, 9, 1, 10, T0)).toMatchObject({ replicas: 3, scalingLimited: { status: "True", reason: "ScaleUpLimit" } });
  });
  test("scale-down stabilization defaults to 300 s; a short window lets it fall sooner", () => {
    const h = newHistory();
    normalizeWithBehavior(h, {}, 6, 6, 1, 10, s(0));
    expect(normalizeWithBehavior(h, {}, 6, 1, 1, 10, s(100))).toMatchObject({ replicas: 6, ableToScale: { reason: "ScaleDownStabilized" } });
    const short: Behavior = { scaleDown: { stabilizationWindowSeconds: 10 } };
    const h2 = newHistory();
    normalizeWithBehavior(h2, short, 6, 6, 1, 10, s(0));
    expect(normalizeWithBehavior(h2, short, 6, 1, 1, 10, s(5)).replicas).toBe(6);
    expect(normalizeWithBehavior(h2, short, 6, 1, 1, 10, s(11)).replicas).toBe(1);
  });
  test("a scale-up window takes the lowest recommendation of the window", () => {
    const behavior: Behavior = { scaleUp: { stabilizationWindowSeconds: 60 } };
    const h = newHistory();
    normalizeWithBehavior(h, behavior, 2, 2, 1, 10, s(0));
    expect(normalizeWithBehavior(h, behavior, 2, 6, 1, 10, s(30))).toMatchObject({ replicas: 2, ableToScale: { reason: "ScaleUpStabilized" } });
    expect(normalizeWithBehavior(h, behavior, 2, 6, 1, 10, s(61)).replicas).toBe(6);
  });
  test("minReplicas bounds a scale-down the policies would allow", () => {
    const behavior: Behavior = { scaleDown: { stabilizationWindowSeconds: 0 } };
    expect(normalizeWithBehavior(newHistory(), behavior, 5, 1, 2, 10, T0)).toMatchObject({ replicas: 2, scalingLimited: { status: "True", reason: "TooFewReplicas" } });
  });
});
