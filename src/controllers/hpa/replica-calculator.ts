// The replica count one Resource or ContainerResource metric asks for, as upstream's
// replica calculator computes it (pkg/controller/podautoscaler/replica_calculator.go):
// pods being deleted or failed are ignored, pending and (for cpu) not-yet-ready pods are
// left out and, on a scale-up, counted as using nothing; pods without a metric count as
// using nothing on a scale-up and their full request (or the target value) on a
// scale-down; a change within the tolerance is no change. Values are in milli-units
// (millicores, milli-bytes), integer arithmetic truncating where upstream's int64 does.

export const DEFAULT_TOLERANCE = 0.1;
/** Upstream's --horizontal-pod-autoscaler-cpu-initialization-period. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** Upstream's --horizontal-pod-autoscaler-initial-readiness-delay. */
export const INITIAL_READINESS_DELAY_MS = 30_000;

export type PodFacts = {
  name: string;
  phase?: string;
  deleting?: boolean;
  /** The Ready condition, when the pod has one. */
  ready?: { status: "True" | "False" | "Unknown"; lastTransition: number };
  startTime?: number;
  /** Requests of the resource per container, milli-units; undefined when a container sets none. */
  requests: { container: string; milli: number | undefined }[];
};

export type PodMetric = { milli: number; timestamp: number; windowMs: number };

export type ResourceTarget = { utilization: number } | { averageMilli: number };

export type CalculationInput = {
  resource: string;
  /** Set for a ContainerResource metric: only this container's requests and usage count. */
  container?: string;
  target: ResourceTarget;
  currentReplicas: number;
  pods: PodFacts[];
  /** Usage per pod name (already narrowed to the container when there is one). */
  metrics: Map<string, PodMetric>;
  now: number;
  tolerance?: number;
};

export type Calculation = {
  replicas: number;
  /** Average utilization in percent of requests (Utilization targets only). */
  utilization?: number;
  /** Average usage per pod, milli-units. */
  averageMilli: number;
  timestamp: number;
};

export class CalculationError extends Error {}

type Groups = { readyPodCount: number; unready: Set<string>; missing: Set<string>; ignored: Set<string> };

export function groupPods(pods: PodFacts[], metrics: Map<string, PodMetric>, resource: string, now: number): Groups {
  const g: Groups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === "Failed") {
      g.ignored.add(pod.name);
      continue;
    }
    if (pod.phase === "Pending") {
      g.unready.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (!metric) {
      g.missing.add(pod.name);
      continue;
    }
    if (resource === "cpu") {
      let unready: boolean;
      const c = pod.ready;
      if (!c || pod.startTime === undefined) unready = true;
      else if (pod.startTime + CPU_INITIALIZATION_PERIOD_MS > now) {
        // Still starting: a sample counts only once a whole metric window follows the last readiness change.
        unready = c.status === "False" || metric.timestamp < c.lastTransition + metric.windowMs;
      } else {
        // Past start-up: ignore only a pod that has never been ready.
        unready = c.status === "False" && pod.startTime + INITIAL_READINESS_DELAY_MS > c.lastTransition;
      }
      if (unready) {
        g.unready.add(pod.name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Sum of the pod's requests of the resource; a container without one makes utilization undefined (upstream's error). */
function podRequests(pods: PodFacts[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.requests) {
      if (container !== undefined && c.container !== container) continue;
      if (c.milli === undefined) throw new CalculationError(`missing request for ${resource} in container ${c.container} of Pod ${pod.name}`);
      sum += c.milli;
    }
    out.set(pod.name, sum);
  }
  return out;
}

/** metricsclient.GetResourceUtilizationRatio. */
function utilizationRatio(metrics: Map<string, number>, requests: Map<string, number>, target: number) {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [pod, value] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    metricsTotal += value;
    requestsTotal += request;
    n++;
  }
  if (requestsTotal === 0) throw new CalculationError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / target, utilization, average: Math.trunc(metricsTotal / n) };
}

/** metricsclient.GetMetricUsageRatio. */
function usageRatio(metrics: Map<string, number>, target: number) {
  let total = 0;
  for (const v of metrics.values()) total += v;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / target, average };
}

export function calculateReplicas(input: CalculationInput): Calculation {
  const { pods, currentReplicas, resource, target, now } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  if (input.metrics.size === 0) throw new CalculationError("no metrics returned from resource metrics API");
  if (pods.length === 0) throw new CalculationError("no pods returned by selector while calculating replica count");
  const g = groupPods(pods, input.metrics, resource, now);
  const values = new Map<string, number>();
  const selected = new Set(pods.map((p) => p.name));
  let timestamp = 0;
  for (const [pod, m] of input.metrics) {
    if (g.ignored.has(pod) || g.unready.has(pod) || !selected.has(pod)) continue;
    values.set(pod, m.milli);
    timestamp = Math.max(timestamp, m.timestamp);
  }
  if (values.size === 0) throw new CalculationError("did not receive metrics for targeted pods (pods might be unready)");

  const isUtilization = "utilization" in target;
  const requests = isUtilization ? podRequests(pods, resource, input.container) : new Map<string, number>();
  const ratioOf = (m: Map<string, number>) => (isUtilization ? utilizationRatio(m, requests, target.utilization) : usageRatio(m, target.averageMilli));
  const first = ratioOf(values);
  const result = (replicas: number): Calculation => ({ replicas, averageMilli: first.average, timestamp, ...(isUtilization ? { utilization: (first as { utilization?: number }).utilization } : {}) });

  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return result(currentReplicas);
    return result(Math.ceil(first.ratio * g.readyPodCount));
  }
  // Fill the gaps the way that damps the change: nothing used on a scale-up, the full
  // request (or exactly the target) on a scale-down.
  if (g.missing.size > 0) {
    if (first.ratio < 1) for (const pod of g.missing) values.set(pod, isUtilization ? (requests.get(pod) ?? 0) : target.averageMilli);
    else if (first.ratio > 1) for (const pod of g.missing) values.set(pod, 0);
  }
  if (scaleUpWithUnready) for (const pod of g.unready) values.set(pod, 0);
  const next = ratioOf(values).ratio;
  // No change when it is small, or when the filled-in pods would turn the direction around.
  if (Math.abs(1 - next) <= tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return result(currentReplicas);
  const replicas = Math.ceil(next * values.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}
