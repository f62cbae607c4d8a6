// The autoscaling families of /metrics, from HPA objects as their controller leaves them.
import { expect, test } from "bun:test";
import { createServerMetrics } from "../../../src/server/metrics/server-metrics.ts";
import { staticSource } from "../../../src/server/metrics/object-source.ts";
import { HPA_RESOURCE } from "../../../src/server/metrics/hpa-families.ts";

test("desired and current replicas, bounds, and each metric's current value beside its target", async () => {
  const hpa = {
    metadata: { name: "web", namespace: "shop" },
    spec: {
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
        { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "64Mi" } } },
        { type: "ContainerResource", containerResource: { name: "cpu", container: "app", target: { type: "AverageValue", averageValue: "250m" } } },
      ],
    },
    status: {
      currentReplicas: 3,
      desiredReplicas: 5,
      currentMetrics: [
        { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 83, averageValue: "83m" } } },
        { type: "Resource", resource: { name: "memory", current: { averageValue: "32Mi" } } },
        { type: "" },
      ],
    },
  };
  const metrics = createServerMetrics({ source: staticSource({ [HPA_RESOURCE]: [hpa] }), store: { revision: 0, compactedRevision: 0, compactions: 0, sizes: () => ({ db: 0, wal: 0 }) } });
  const text = await metrics.registry.metrics();
  const l = 'horizontalpodautoscaler="web",namespace="shop"';
  const has = (line: string) => expect(text.split("\n").map((x) => x.replace(/namespace="shop",horizontalpodautoscaler="web"/, l))).toContain(line);
  has(`skiff_hpa_desired_replicas{${l}} 5`);
  has(`skiff_hpa_current_replicas{${l}} 3`);
  has(`skiff_hpa_min_replicas{${l}} 2`);
  has(`skiff_hpa_max_replicas{${l}} 10`);
  has(`skiff_hpa_metric_target{${l},metric_name="cpu",metric_target_type="Utilization"} 50`);
  has(`skiff_hpa_metric_current{${l},metric_name="cpu",metric_target_type="Utilization"} 83`);
  has(`skiff_hpa_metric_target{${l},metric_name="memory",metric_target_type="AverageValue"} ${64 * 2 ** 20}`);
  has(`skiff_hpa_metric_current{${l},metric_name="memory",metric_target_type="AverageValue"} ${32 * 2 ** 20}`);
  has(`skiff_hpa_metric_target{${l},metric_name="app/cpu",metric_target_type="AverageValue"} 0.25`);
  // A metric the controller could not read has a target and no current value.
  expect(text).not.toContain('skiff_hpa_metric_current{namespace="shop",horizontalpodautoscaler="web",metric_name="app/cpu"');
  metrics.stop?.();
});
