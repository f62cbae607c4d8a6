// Agent metrics the dashboards read that src/agent/metrics.ts does not expose yet: the
// additions proposed for the agent (node usage from the host, container usage from the
// runtime driver's stats(), a `node` label on every agent series). The e2e test checks
// them against a live agent registry and fails while any is still missing there.
export const PROPOSED_AGENT_METRICS = [
  "node_cpu_usage_seconds_total",
  "node_memory_working_set_bytes",
  "skiff_agent_filesystem_available_bytes",
  "skiff_agent_filesystem_capacity_bytes",
  "container_cpu_usage_seconds_total",
  "container_memory_working_set_bytes",
];
