// Which surplus pods a ReplicaSet deletes first (upstream's ActivePods ordering): unscheduled
// before scheduled, pending before running, not ready before ready, ready for less time
// before longer, more restarts before fewer, newer before older.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { isPodReady, nodeNameOf, podPhase, readySince, restartCount } from "../shared/pod-state.ts";

const phaseRank = (p: KubeObject) => ({ Pending: 0, Unknown: 1, Running: 2 } as Record<string, number>)[podPhase(p) ?? "Pending"] ?? 0;
const created = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? "") || 0;

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: KubeObject, b: KubeObject): number {
  const sa = nodeNameOf(a) ? 1 : 0;
  const sb = nodeNameOf(b) ? 1 : 0;
  if (sa !== sb) return sa - sb;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  if (ra && rb) {
    const ta = readySince(a) ?? 0;
    const tb = readySince(b) ?? 0;
    if (ta !== tb) return tb - ta; // became ready later = ready for less time: first
  }
  const rc = restartCount(b) - restartCount(a);
  if (rc !== 0) return rc;
  const ca = created(a);
  const cb = created(b);
  if (ca !== cb) return cb - ca; // newer first
  return (b.metadata.name ?? "") < (a.metadata.name ?? "") ? -1 : 1;
}

export function podsToDelete(pods: KubeObject[], count: number): KubeObject[] {
  return [...pods].sort(compareForDeletion).slice(0, count);
}
