// What a Job's pods say, counted as upstream's Job controller counts them, and the
// conditions it writes (Complete/Failed, with SuccessCriteriaMet/FailureTarget first).
import type { KubeObject } from "../../api/kinds/kind.ts";
import { podPhase } from "../shared/pod-state.ts";

export const COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";

export type JobCondition = { type: string; status: string; reason?: string; message?: string; lastProbeTime: string; lastTransitionTime: string };

export const conditionsOf = (job: KubeObject): JobCondition[] => ((job.status as { conditions?: JobCondition[] } | undefined)?.conditions ?? []);
export const hasCondition = (job: KubeObject, type: string) => conditionsOf(job).some((c) => c.type === type && c.status === "True");
export const isJobFinished = (job: KubeObject) => hasCondition(job, "Complete") || hasCondition(job, "Failed");

/** The job's conditions with `type` set (kept as is when already in that state). */
export function withCondition(conditions: JobCondition[], type: string, status: string, reason: string, message: string, now: string): JobCondition[] {
  const prior = conditions.find((c) => c.type === type);
  if (prior && prior.status === status && prior.reason === reason) return conditions;
  const next = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: prior?.status === status ? prior.lastTransitionTime : now };
  return prior ? conditions.map((c) => (c === prior ? next : c)) : [...conditions, next];
}

export const completionIndexOf = (pod: KubeObject): number | undefined => {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX];
  const n = v === undefined ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

/** "1,3-5,7": the interval form of status.completedIndexes. */
export function indexIntervals(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The indexes below `limit` of "1,3-5,7" (status.completedIndexes); nothing for a malformed part. */
export function parseIndexIntervals(text: string | undefined, limit: number): number[] {
  const out: number[] = [];
  for (const part of (text ?? "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const [from, to] = [Number(m[1]), Math.min(Number(m[2] ?? m[1]), limit - 1)];
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

export type PodCounts = { active: KubeObject[]; succeeded: KubeObject[]; failed: KubeObject[]; terminating: number };

export function countPods(pods: KubeObject[]): PodCounts {
  const c: PodCounts = { active: [], succeeded: [], failed: [], terminating: 0 };
  for (const p of pods) {
    const phase = podPhase(p);
    if (phase === "Succeeded") c.succeeded.push(p);
    else if (phase === "Failed") c.failed.push(p);
    else if (p.metadata.deletionTimestamp) c.terminating++;
    else c.active.push(p);
  }
  return c;
}

type ContainerStatus = { name: string; restartCount?: number; state?: { terminated?: { exitCode?: number; finishedAt?: string } } };
export const containerStatusesOf = (pod: KubeObject): ContainerStatus[] => ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []);

/** Restarts of an OnFailure pod's containers: failures the backoff limit counts too. */
export const restartsOf = (pod: KubeObject) => containerStatusesOf(pod).reduce((n, c) => n + (c.restartCount ?? 0), 0);

/** When a failed pod finished (its last container), for the back-off delay. */
export function finishedAt(pod: KubeObject): number {
  const times = containerStatusesOf(pod).map((c) => Date.parse(c.state?.terminated?.finishedAt ?? "")).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : Date.parse(pod.metadata.creationTimestamp ?? "") || 0;
}
