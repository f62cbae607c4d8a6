// A StatefulSet's status from its pods, as upstream's updateStatefulSet counts them, with
// completeRollingUpdate: once every pod is updated and ready, the update revision is current.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { isPodAvailable, isPodReady, podPhase } from "../shared/pod-state.ts";
import { podRevision, specOf } from "./stateful-pods.ts";

export const isRunningAndReady = (p: KubeObject) => podPhase(p) === "Running" && isPodReady(p);

export function statefulSetStatus(sts: KubeObject, pods: KubeObject[], currentRevision: string, updateRevision: string, now: number): Record<string, unknown> {
  const spec = specOf(sts);
  const prior = (sts.status ?? {}) as { collisionCount?: number };
  let replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  for (const p of pods) {
    replicas++;
    if (isRunningAndReady(p)) {
      ready++;
      if (isPodAvailable(p, spec.minReadySeconds ?? 0, now)) available++;
    }
    if (p.metadata.deletionTimestamp) continue;
    if (podRevision(p) === currentRevision) current++;
    if (podRevision(p) === updateRevision) updated++;
  }
  const rolling = (spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
  if (rolling && updated === replicas && ready === replicas) {
    currentRevision = updateRevision;
    current = updated;
  }
  return {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas,
    readyReplicas: ready,
    currentReplicas: current,
    updatedReplicas: updated,
    currentRevision,
    updateRevision,
    ...(prior.collisionCount !== undefined ? { collisionCount: prior.collisionCount } : {}),
    availableReplicas: available,
  };
}
