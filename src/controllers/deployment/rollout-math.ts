// maxSurge / maxUnavailable arithmetic, as upstream's deployment util.
export type IntOrPercent = number | string | undefined;

export type DeploymentSpec = {
  replicas?: number;
  paused?: boolean;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
};

/** intstr.GetScaledValueFromIntOrPercent: percentages of `total`, rounded up or down. */
export function scaledValue(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: ${v}`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function isRollingUpdate(spec: DeploymentSpec): boolean {
  return (spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

export const replicasOf = (spec: DeploymentSpec) => spec.replicas ?? 1;

/** ResolveFenceposts: surge rounds up, unavailable down; both zero means one unavailable. */
export function fenceposts(spec: DeploymentSpec): { maxSurge: number; maxUnavailable: number } {
  const ru = spec.strategy?.rollingUpdate ?? {};
  const desired = replicasOf(spec);
  const maxSurge = scaledValue(ru.maxSurge ?? "25%", desired, true);
  let maxUnavailable = scaledValue(ru.maxUnavailable ?? "25%", desired, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function maxSurge(spec: DeploymentSpec): number {
  return isRollingUpdate(spec) ? fenceposts(spec).maxSurge : 0;
}

export function maxUnavailable(spec: DeploymentSpec): number {
  if (!isRollingUpdate(spec) || replicasOf(spec) === 0) return 0;
  return Math.min(fenceposts(spec).maxUnavailable, replicasOf(spec));
}

/** NewRSNewReplicas: how big the new set may be now, given every set's current size. */
export function newReplicaSetReplicas(spec: DeploymentSpec, allSizes: number[], newSize: number): number {
  if (!isRollingUpdate(spec)) return replicasOf(spec);
  const current = allSizes.reduce((a, b) => a + b, 0);
  const maxTotal = replicasOf(spec) + fenceposts(spec).maxSurge;
  if (current >= maxTotal) return newSize;
  const up = Math.min(maxTotal - current, replicasOf(spec) - newSize);
  return newSize + Math.max(0, up);
}
