// What the replica calculator needs from the cluster: each selected pod's phase, readiness
// and requests, and its usage from the resource metrics (the figures `kubectl top` shows).
import type { KubeObject } from "../../api/kinds/kind.ts";
import { parseQuantity } from "../../api/quantity.ts";
import type { PodUsage } from "../../server/metrics/resource-stats.ts";
import type { PodFacts, PodMetric } from "./replica-calculator.ts";

type Any = Record<string, any>;
const time = (t: unknown) => (typeof t === "string" ? Date.parse(t) : NaN);

/** Requests in milli-units: millicores for cpu, milli-bytes for memory (upstream's MilliValue). */
export function podFacts(pod: KubeObject, resource: string): PodFacts {
  const status = (pod.status ?? {}) as Any;
  const ready = (status.conditions ?? []).find((c: Any) => c?.type === "Ready");
  const start = time(status.startTime);
  const transition = time(ready?.lastTransitionTime);
  return {
    name: pod.metadata.name!,
    phase: status.phase,
    deleting: !!pod.metadata.deletionTimestamp,
    ...(ready ? { ready: { status: ready.status, lastTransition: Number.isNaN(transition) ? 0 : transition } } : {}),
    ...(Number.isNaN(start) ? {} : { startTime: start }),
    requests: (((pod.spec as Any)?.containers ?? []) as Any[]).map((c) => {
      const q = parseQuantity(c?.resources?.requests?.[resource]);
      return { container: c?.name ?? "", milli: q ? Number(q.milli) : undefined };
    }),
  };
}

/** The usage list indexed by "namespace/pod", built once per list (each HPA of a sync reads the same one). */
const indexes = new WeakMap<readonly PodUsage[], Map<string, PodUsage>>();
function indexOf(usage: readonly PodUsage[]): Map<string, PodUsage> {
  let ix = indexes.get(usage);
  if (!ix) indexes.set(usage, (ix = new Map(usage.map((p) => [`${p.namespace}/${p.name}`, p]))));
  return ix;
}

/**
 * Usage of each named pod, in milli-units, summed over its containers (or the one named);
 * a pod lacking the container's figures has no metric, as upstream's client drops it.
 */
export function podMetrics(usage: readonly PodUsage[], namespace: string, podNames: string[], resource: string, container?: string): Map<string, PodMetric> {
  const out = new Map<string, PodMetric>();
  if (resource !== "cpu" && resource !== "memory") return out;
  const index = indexOf(usage);
  for (const name of podNames) {
    const p = index.get(`${namespace}/${name}`);
    if (!p) continue;
    const containers = container === undefined ? p.containers : p.containers.filter((c) => c.name === container);
    if (containers.length === 0) continue;
    let milli = 0;
    for (const c of containers) milli += resource === "cpu" ? Math.round(c.cpuCores * 1000) : Math.round(c.memoryBytes * 1000);
    out.set(p.name, { milli, timestamp: p.at ?? Date.parse(p.timestamp), windowMs: p.windowSeconds * 1000 });
  }
  return out;
}
