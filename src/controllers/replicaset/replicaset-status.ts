// A ReplicaSet's status, computed from the pods it owns.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { isPodAvailable, isPodReady, readySince } from "../shared/pod-state.ts";

export type ReplicaSetStatus = {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration?: number;
  conditions?: unknown[];
};

/** The status, and when (ms from now) a ready pod becomes available and the status must be computed again. */
export function replicaSetStatus(rs: KubeObject, pods: KubeObject[], now: number): { status: ReplicaSetStatus; recheckInMs?: number } {
  const spec = rs.spec as { minReadySeconds?: number; template?: { metadata?: { labels?: Record<string, string> } } };
  const minReady = spec.minReadySeconds ?? 0;
  const templateLabels = Object.entries(spec.template?.metadata?.labels ?? {});
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  let recheck: number | undefined;
  for (const p of pods) {
    const labels = p.metadata.labels ?? {};
    if (templateLabels.every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (!isPodReady(p)) continue;
    ready++;
    if (isPodAvailable(p, minReady, now)) available++;
    else {
      const wait = (readySince(p) ?? now) + minReady * 1000 - now;
      recheck = Math.min(recheck ?? Infinity, Math.max(wait, 10));
    }
  }
  const prior = rs.status as ReplicaSetStatus | undefined;
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
  };
  if (prior?.conditions?.length) status.conditions = prior.conditions;
  return { status, recheckInMs: recheck };
}
