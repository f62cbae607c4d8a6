// The annotations a Deployment and its ReplicaSets carry for `kubectl rollout`.
import type { KubeObject } from "../../api/kinds/kind.ts";

export const REVISION = "deployment.kubernetes.io/revision";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

// Annotations of the Deployment that are not copied onto its ReplicaSets (upstream's skip list).
const NOT_COPIED = new Set(["kubectl.kubernetes.io/last-applied-configuration", REVISION, "deployment.kubernetes.io/revision-history", DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to"]);

export function revisionOf(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[REVISION] ?? "0");
  return Number.isFinite(n) ? n : 0;
}

export function copiedAnnotations(d: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  return out;
}

export function desiredReplicasOf(rs: KubeObject): number | undefined {
  const v = rs.metadata.annotations?.[DESIRED_REPLICAS];
  return v === undefined ? undefined : Number(v);
}

export function maxReplicasOf(rs: KubeObject): number | undefined {
  const v = rs.metadata.annotations?.[MAX_REPLICAS];
  return v === undefined ? undefined : Number(v);
}
