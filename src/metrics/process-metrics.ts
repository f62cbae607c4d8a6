// prom-client's process metrics and the event-loop lag, as both the server and the agent expose them.
import { collectDefaultMetrics, type Registry } from "prom-client";
import { registerEventLoopLag } from "./event-loop-lag.ts";

/**
 * Defaults left out: the *_total gauges fail Prometheus's lint, and the per-space heap
 * statistics walk the whole heap under Bun (tens of ms with a large store in memory).
 * process_* and the remaining nodejs_* metrics cover the same ground.
 */
const DROPPED_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
  "nodejs_heap_space_size_total_bytes",
  "nodejs_heap_space_size_used_bytes",
  "nodejs_heap_space_size_available_bytes",
];

export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of DROPPED_DEFAULTS) registry.removeSingleMetric(name);
  registerEventLoopLag(registry);
}
