// What controllers read from a pod's status: readiness, availability, activity.
import type { KubeObject } from "../../api/kinds/kind.ts";

type Condition = { type: string; status: string; lastTransitionTime?: string };

export function podPhase(pod: KubeObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

function readyCondition(pod: KubeObject): Condition | undefined {
  return ((pod.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");
}

export function isPodReady(pod: KubeObject): boolean {
  return readyCondition(pod)?.status === "True";
}

/** When the pod last became ready (ms), or undefined when it is not ready. */
export function readySince(pod: KubeObject): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== "True") return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Ready for at least minReadySeconds (upstream's IsPodAvailable). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  const since = readySince(pod);
  if (since === undefined) return false;
  return minReadySeconds <= 0 || since + minReadySeconds * 1000 <= now;
}

/**
 * Not finished, not being deleted and not on an unreachable node awaiting eviction: counts
 * toward a ReplicaSet's replicas. Counting the last ones out replaces them at once rather
 * than after the eviction delay.
 */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp && !awaitsEviction(pod);
}

type PodCondition = { type: string; status: string; reason?: string };
/** Upstream's reason on the DisruptionTarget condition of pods the taint manager is about to delete. */
export const TAINT_MANAGER_REASON = "DeletionByTaintManager";

export function isTaintManagerTarget(c: PodCondition): boolean {
  return c.type === "DisruptionTarget" && c.status === "True" && c.reason === TAINT_MANAGER_REASON;
}

export function awaitsEviction(pod: KubeObject): boolean {
  return ((pod.status as { conditions?: PodCondition[] } | undefined)?.conditions ?? []).some(isTaintManagerTarget);
}

export function nodeNameOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

export function restartCount(pod: KubeObject): number {
  const statuses = (pod.status as { containerStatuses?: { restartCount?: number }[] } | undefined)?.containerStatuses ?? [];
  return statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
}
