// From the metrics' proposal to the replica count written, as upstream's HPA controller
// does it: min/max bounds, the stabilization windows (the highest recommendation of the
// last window on the way down, the lowest on the way up) and the scaleUp/scaleDown
// policies limiting how many replicas may come or go per period. Without `behavior` the
// older rules apply: a 5-minute down-scale window and at most max(2×current, 4) up.
// The per-HPA history (recommendations, scale events) is kept by the caller.

import { defaultScaleDown, defaultScaleUp, type Behavior, type ScalingRules } from "../../api/kinds/hpa-defaults.ts";

export type { Behavior, ScalingRules };
export type Recommendation = { replicas: number; at: number };
export type ScaleEvent = { change: number; at: number };
export type History = { recommendations: Recommendation[]; scaleUps: ScaleEvent[]; scaleDowns: ScaleEvent[] };

export type Condition = { status: "True" | "False"; reason: string; message: string };
export type Normalized = { replicas: number; ableToScale: Condition; scalingLimited: Condition };

/** Upstream's --horizontal-pod-autoscaler-downscale-stabilization. */
export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;

export const newHistory = (): History => ({ recommendations: [], scaleUps: [], scaleDowns: [] });

const within = (condition: Condition["status"], reason: string, message: string): Condition => ({ status: condition, reason, message });
const READY = within("True", "ReadyForNewScale", "recommended size matches current size");
const DOWN_STABILIZED = within("True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
const UP_STABILIZED = within("True", "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation");
const IN_RANGE = ["DesiredWithinRange", "the desired count is within the acceptable range"] as const;
const TOO_MANY = ["TooManyReplicas", "the desired replica count is more than the maximum replica count"] as const;
const TOO_FEW = ["TooFewReplicas", "the desired replica count is less than the minimum replica count"] as const;
const UP_LIMIT = ["ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"] as const;
const DOWN_LIMIT = ["ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"] as const;

/** Records a recommendation, reusing the slot of one older than every window (upstream keeps the list that short). */
function record(h: History, replicas: number, now: number, stale: (r: Recommendation) => boolean) {
  const old = h.recommendations.findLastIndex(stale);
  if (old >= 0) h.recommendations[old] = { replicas, at: now };
  else h.recommendations.push({ replicas, at: now });
}

function limited(desired: number, stabilized: number, reason: readonly [string, string]): Condition {
  return desired === stabilized ? within("False", reason[0], reason[1]) : within("True", reason[0], reason[1]);
}

/** normalizeDesiredReplicas: no `behavior` on the HPA. */
export function normalizeWithoutBehavior(h: History, current: number, proposed: number, min: number, max: number, now: number, downscaleWindowMs = DOWNSCALE_STABILIZATION_MS): Normalized {
  const cutoff = now - downscaleWindowMs;
  let stabilized = proposed;
  for (const r of h.recommendations) if (r.at >= cutoff && r.replicas > stabilized) stabilized = r.replicas;
  record(h, proposed, now, (r) => r.at < cutoff);
  const ableToScale = stabilized !== proposed ? DOWN_STABILIZED : READY;
  const upLimit = Math.max(2 * current, 4);
  const [maxAllowed, maxReason] = max > upLimit ? [upLimit, UP_LIMIT] : [max, TOO_MANY];
  let replicas = stabilized;
  let reason: readonly [string, string] = IN_RANGE;
  if (stabilized < min) [replicas, reason] = [min, TOO_FEW];
  else if (stabilized > maxAllowed) [replicas, reason] = [maxAllowed, maxReason];
  return { replicas, ableToScale, scalingLimited: limited(replicas, stabilized, reason) };
}

/** normalizeDesiredReplicasWithBehaviors. */
export function normalizeWithBehavior(h: History, behavior: Behavior, current: number, proposed: number, min: number, max: number, now: number): Normalized {
  const up = defaultScaleUp(behavior.scaleUp);
  const down = defaultScaleDown(behavior.scaleDown);
  const upCutoff = now - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = now - (down.stabilizationWindowSeconds ?? DOWNSCALE_STABILIZATION_MS / 1000) * 1000;
  let upRecommendation = proposed;
  let downRecommendation = proposed;
  for (const r of h.recommendations) {
    if (r.at > upCutoff) upRecommendation = Math.min(r.replicas, upRecommendation);
    if (r.at > downCutoff) downRecommendation = Math.max(r.replicas, downRecommendation);
  }
  let stabilized = current;
  if (stabilized < upRecommendation) stabilized = upRecommendation;
  if (stabilized > downRecommendation) stabilized = downRecommendation;
  record(h, proposed, now, (r) => r.at < upCutoff && r.at < downCutoff);
  const ableToScale = stabilized === proposed ? READY : proposed >= current ? UP_STABILIZED : DOWN_STABILIZED;

  let replicas = stabilized;
  let reason: readonly [string, string] = IN_RANGE;
  if (stabilized > current) {
    const limit = Math.max(scaleUpLimit(current, h, up, now), current);
    const [maxAllowed, why] = max > limit ? [limit, UP_LIMIT] : [max, TOO_MANY];
    if (stabilized > maxAllowed) [replicas, reason] = [maxAllowed, why];
  } else if (stabilized < current) {
    const limit = Math.min(scaleDownLimit(current, h, down, now), current);
    const [minAllowed, why] = min < limit ? [limit, DOWN_LIMIT] : [min, TOO_FEW];
    if (stabilized < minAllowed) [replicas, reason] = [minAllowed, why];
  }
  return { replicas, ableToScale, scalingLimited: limited(replicas, stabilized, reason) };
}

/** Replicas added (or removed) within the last periodSeconds. */
function changeInPeriod(events: ScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.at > cutoff) sum += e.change;
  return sum;
}

export function scaleUpLimit(current: number, h: History, rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.min : Math.max;
  let result = rules.selectPolicy === "Min" ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const periodStart = current - changeInPeriod(h.scaleUps, p.periodSeconds, now) + changeInPeriod(h.scaleDowns, p.periodSeconds, now);
    // Rounded up, or a small set at a low percentage would never grow.
    const proposed = p.type === "Pods" ? periodStart + p.value : Math.ceil(periodStart * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

export function scaleDownLimit(current: number, h: History, rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === "Disabled") return current;
  const pick = rules.selectPolicy === "Min" ? Math.max : Math.min;
  let result = rules.selectPolicy === "Min" ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const periodStart = current - changeInPeriod(h.scaleUps, p.periodSeconds, now) + changeInPeriod(h.scaleDowns, p.periodSeconds, now);
    const proposed = p.type === "Pods" ? periodStart - p.value : Math.trunc(periodStart * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

/** storeScaleEvent: remembers a write for the policies' periods, dropping events older than the longest one. */
export function recordScale(h: History, behavior: Behavior | undefined, from: number, to: number, now: number) {
  if (!behavior || from === to) return;
  const rules = to > from ? defaultScaleUp(behavior.scaleUp) : defaultScaleDown(behavior.scaleDown);
  const longest = Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds));
  const list = to > from ? h.scaleUps : h.scaleDowns;
  const kept = list.filter((e) => e.at > now - longest * 1000);
  kept.push({ change: Math.abs(to - from), at: now });
  if (to > from) h.scaleUps = kept;
  else h.scaleDowns = kept;
}
