// `kubectl get hpa` (printHorizontalPodAutoscaler): Reference, Targets as
// "cpu: 45%/50%", MinPods, MaxPods, Replicas, Age.
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, nameColumn } from "./columns.ts";

type Any = Record<string, any>;

/** formatHPAMetrics: at most two metrics, then "+ N more...". */
export function formatHpaTargets(specs: Any[] | undefined, statuses: Any[] | undefined): string {
  if (!specs?.length) return "<none>";
  const list = specs.map((spec, i) => {
    const status = statuses?.[i];
    switch (spec?.type) {
      case "Resource":
      case "ContainerResource": {
        const field = spec.type === "Resource" ? "resource" : "containerResource";
        const src = spec[field] ?? {};
        const now = status?.[field]?.current;
        if (src.target?.averageValue !== undefined) return `${src.name}: ${now?.averageValue ?? "<unknown>"}/${src.target.averageValue}`;
        const current = now?.averageUtilization !== undefined ? `${now.averageUtilization}%` : "<unknown>";
        const target = src.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : "<auto>";
        return `${src.name}: ${current}/${target}`;
      }
      case "Pods":
        return `${status?.pods?.current?.averageValue ?? "<unknown>"}/${spec.pods?.target?.averageValue ?? "<unset>"}`;
      case "Object": {
        const t = spec.object?.target ?? {};
        const c = status?.object?.current ?? {};
        return t.averageValue !== undefined ? `${c.averageValue ?? "<unknown>"}/${t.averageValue} (avg)` : `${c.value ?? "<unknown>"}/${t.value ?? "<unset>"}`;
      }
      case "External": {
        const t = spec.external?.target ?? {};
        const c = status?.external?.current ?? {};
        return t.averageValue !== undefined ? `${c.averageValue ?? "<unknown>"}/${t.averageValue} (avg)` : `${c.value ?? "<unknown>"}/${t.value ?? "<unset>"}`;
      }
      default:
        return "<unknown type>";
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(", ")} + ${list.length - 2} more...` : list.join(", ");
}

export const hpaColumns: TableColumn[] = [
  nameColumn(),
  col("Reference", "string", "The reference to the autoscaled resource.", (o: Any) => `${o.spec?.scaleTargetRef?.kind ?? ""}/${o.spec?.scaleTargetRef?.name ?? ""}`),
  col("Targets", "string", "The current and target metrics of the autoscaler.", (o: Any) => formatHpaTargets(o.spec?.metrics, o.status?.currentMetrics)),
  col("MinPods", "string", "The minimum number of replicas.", (o: Any) => (o.spec?.minReplicas !== undefined ? String(o.spec.minReplicas) : "<unset>")),
  col("MaxPods", "integer", "The maximum number of replicas.", (o: Any) => o.spec?.maxReplicas ?? 0),
  col("Replicas", "integer", "The current number of replicas.", (o: Any) => o.status?.currentReplicas ?? 0),
  ageColumn(),
];
