// Upstream's computeReplicasForMetrics: a proposal per metric, the largest wins; metrics
// that cannot be computed leave an empty status and, when all fail (or some fail and the
// rest would scale down), the first failure's condition and no proposal.
import { formatQuantity } from "../../api/quantity.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { PodUsage } from "../../server/metrics/resource-stats.ts";
import { parseQuantity } from "../../api/quantity.ts";
import { calculateReplicas, type ResourceTarget } from "./replica-calculator.ts";
import { podFacts, podMetrics } from "./pod-inputs.ts";

type Any = Record<string, any>;
export type MetricCondition = { status: "True" | "False"; reason: string; message: string };

export type MetricsOutcome =
  | { ok: true; replicas: number; metricName: string; statuses: Any[]; condition: MetricCondition; timestamp: number }
  | { ok: false; statuses: Any[]; condition: MetricCondition; error: string };

export type MetricInputs = { namespace: string; pods: KubeObject[]; usage: readonly PodUsage[]; currentReplicas: number; now: number; tolerance?: number };

const milliQuantity = (milli: number) => formatQuantity({ milli: BigInt(Math.round(milli)), binary: false });

function one(spec: Any, inputs: MetricInputs): { replicas: number; name: string; status: Any; timestamp: number } {
  const container = spec.type === "ContainerResource";
  const field = container ? "containerResource" : "resource";
  if (spec.type !== "Resource" && !container) {
    const kind = String(spec.type ?? "");
    throw Object.assign(new Error(`unable to get ${kind.toLowerCase()} metric: no custom or external metrics API (custom.metrics.k8s.io, external.metrics.k8s.io) is served`), { reason: `FailedGet${kind}Metric` });
  }
  const src = spec[field] ?? {};
  const resource = String(src.name ?? "");
  const t = src.target ?? {};
  const utilization = t.averageUtilization !== undefined;
  const target: ResourceTarget = utilization ? { utilization: t.averageUtilization } : { averageMilli: Number(parseQuantity(t.averageValue)?.milli ?? 0n) };
  const reason = container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
  try {
    const r = calculateReplicas({
      resource,
      container: container ? src.container : undefined,
      target,
      currentReplicas: inputs.currentReplicas,
      pods: inputs.pods.map((p) => podFacts(p, resource)),
      metrics: podMetrics(inputs.usage, inputs.namespace, inputs.pods.map((p) => p.metadata.name!), resource, container ? src.container : undefined),
      now: inputs.now,
      tolerance: inputs.tolerance,
    });
    const current = { ...(utilization ? { averageUtilization: r.utilization } : {}), averageValue: milliQuantity(r.averageMilli) };
    const who = container ? `${resource} container resource` : `${resource} resource`;
    return {
      replicas: r.replicas,
      name: utilization ? `${who} utilization (percentage of request)` : who,
      status: { type: spec.type, [field]: { name: resource, ...(container ? { container: src.container } : {}), current } },
      timestamp: r.timestamp,
    };
  } catch (e) {
    const what = utilization ? `${resource} utilization` : `${resource} usage`;
    throw Object.assign(new Error(`failed to get ${what}: ${(e as Error).message}`), { reason });
  }
}

export function replicasForMetrics(specs: Any[], inputs: MetricInputs): MetricsOutcome {
  const statuses: Any[] = specs.map(() => ({ type: "" }));
  let replicas = 0;
  let metricName = "";
  let timestamp = 0;
  let invalid = 0;
  let firstError: { message: string; reason: string } | undefined;
  specs.forEach((spec, i) => {
    try {
      const r = one(spec, inputs);
      statuses[i] = r.status;
      if (r.replicas > replicas) {
        replicas = r.replicas;
        metricName = r.name;
        timestamp = r.timestamp;
      }
    } catch (e) {
      invalid++;
      firstError ??= { message: (e as Error).message, reason: (e as { reason?: string }).reason ?? "FailedGetResourceMetric" };
    }
  });
  if (firstError && (invalid >= specs.length || replicas < inputs.currentReplicas)) {
    return {
      ok: false,
      statuses,
      condition: { status: "False", reason: firstError.reason, message: `the HPA was unable to compute the replica count: ${firstError.message}` },
      error: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`,
    };
  }
  return { ok: true, replicas, metricName, statuses, timestamp, condition: { status: "True", reason: "ValidMetricFound", message: `the HPA was able to successfully calculate a replica count from ${metricName}` } };
}
