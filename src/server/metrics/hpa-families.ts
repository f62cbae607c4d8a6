// Autoscaling families of /metrics, read from each HorizontalPodAutoscaler's spec and
// status at scrape time (what its controller last wrote): replicas wanted and present,
// bounds, and each metric's current value beside its target (utilization in percent of
// requests, average values in the resource's unit: cores, bytes).
import type { Registry as PromRegistry } from "prom-client";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { parseQuantity } from "../../api/quantity.ts";
import type { ObjectSource } from "./object-source.ts";
import { labelText, TextFamily, type Emit } from "./text-family.ts";

export const HPA_RESOURCE = "autoscaling/horizontalpodautoscalers";

type Any = Record<string, any>;

const quantity = (q: unknown) => {
  const p = parseQuantity(q);
  return p ? Number(p.milli) / 1000 : undefined;
};

/** One series per metric of the HPA: its name ("cpu", "memory", "app/cpu" for a container), target type, target and current. */
function metricsOf(hpa: KubeObject): { metric: string; type: string; target?: number; current?: number }[] {
  const specs: Any[] = (hpa.spec as Any)?.metrics ?? [];
  const statuses: Any[] = (hpa.status as Any)?.currentMetrics ?? [];
  return specs.flatMap((spec, i) => {
    const field = spec?.type === "Resource" ? "resource" : spec?.type === "ContainerResource" ? "containerResource" : undefined;
    if (!field) return [];
    const src = spec[field] ?? {};
    const now = statuses[i]?.[field]?.current ?? {};
    const metric = src.container ? `${src.container}/${src.name}` : String(src.name ?? "");
    if (src.target?.averageUtilization !== undefined) return [{ metric, type: "Utilization", target: src.target.averageUtilization, current: now.averageUtilization }];
    return [{ metric, type: "AverageValue", target: quantity(src.target?.averageValue), current: quantity(now.averageValue) }];
  });
}

export function registerHpaFamilies(source: ObjectSource, registers: PromRegistry[]) {
  const base = (h: KubeObject) => labelText({ namespace: h.metadata.namespace ?? "", horizontalpodautoscaler: h.metadata.name ?? "" });
  const gauge = (name: string, help: string, series: (emit: Emit) => void) => new TextFamily({ name, help, type: "gauge", registers, series });
  const perHpa = (name: string, help: string, pick: (h: Any) => number | undefined) =>
    gauge(name, help, (emit) => {
      for (const h of source.list(HPA_RESOURCE)) {
        const v = pick(h);
        if (v !== undefined) emit(base(h), v);
      }
    });
  perHpa("skiff_hpa_desired_replicas", "Replicas the HorizontalPodAutoscaler last asked for.", (h) => h.status?.desiredReplicas);
  perHpa("skiff_hpa_current_replicas", "Replicas of the HorizontalPodAutoscaler's target when it last looked.", (h) => h.status?.currentReplicas);
  perHpa("skiff_hpa_min_replicas", "The HorizontalPodAutoscaler's lower bound.", (h) => h.spec?.minReplicas ?? 1);
  perHpa("skiff_hpa_max_replicas", "The HorizontalPodAutoscaler's upper bound.", (h) => h.spec?.maxReplicas);
  const perMetric = (name: string, help: string, pick: (m: ReturnType<typeof metricsOf>[number]) => number | undefined) =>
    gauge(name, help, (emit) => {
      for (const h of source.list(HPA_RESOURCE)) {
        for (const m of metricsOf(h)) {
          const v = pick(m);
          if (v !== undefined) emit(`${base(h)},${labelText({ metric_name: m.metric, metric_target_type: m.type })}`, v);
        }
      }
    });
  perMetric("skiff_hpa_metric_target", "Target of each HorizontalPodAutoscaler metric: percent of requests (Utilization) or cores/bytes per pod (AverageValue).", (m) => m.target);
  perMetric("skiff_hpa_metric_current", "Current value of each HorizontalPodAutoscaler metric, in the unit of its target.", (m) => m.current);
}
