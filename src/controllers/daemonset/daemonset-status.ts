// DaemonSet status counters, as upstream's updateDaemonSetStatus: per node that should run the
// daemon, whether its (oldest) pod is there, ready, available and of the current revision.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { isPodAvailable, isPodReady } from "../shared/pod-state.ts";
import { REVISION_HASH_LABEL, type DaemonSetSpec } from "./daemon-pods.ts";
import type { NodeState } from "./sync-plan.ts";

export function daemonSetStatus(ds: KubeObject, nodes: NodeState[], hash: string, now: number): { status: Record<string, unknown>; recheckInMs?: number } {
  const spec = ds.spec as DaemonSetSpec;
  const minReady = spec.minReadySeconds ?? 0;
  let desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
  let recheckInMs: number | undefined;
  for (const n of nodes) {
    const pods = n.pods.filter((p) => !p.metadata.deletionTimestamp);
    if (n.shouldRun) desired++;
    if (!pods.length) continue;
    if (!n.shouldRun) {
      misscheduled++;
      continue;
    }
    current++;
    const p = [...pods].sort((a, b) => (Date.parse(a.metadata.creationTimestamp ?? "") || 0) - (Date.parse(b.metadata.creationTimestamp ?? "") || 0))[0]!;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
      else if (minReady > 0) recheckInMs = Math.min(recheckInMs ?? Infinity, minReady * 1000);
    }
    if (pods.some((x) => x.metadata.labels?.[REVISION_HASH_LABEL] === hash)) updated++;
  }
  const prior = (ds.status ?? {}) as { collisionCount?: number; conditions?: unknown[] };
  const status: Record<string, unknown> = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
  };
  if (updated) status.updatedNumberScheduled = updated;
  if (available) status.numberAvailable = available;
  if (desired - available > 0) status.numberUnavailable = desired - available;
  if (prior.collisionCount !== undefined) status.collisionCount = prior.collisionCount;
  if (prior.conditions) status.conditions = prior.conditions;
  return { status, recheckInMs };
}
