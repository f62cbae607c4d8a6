// The agent's Prometheus metrics (its own registry: server and agent can share a process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ContainerInfo } from "./runtime/types.ts";
import type { ProbeKind } from "./probes.ts";

export class AgentMetrics {
  readonly registry = new Registry();
  readonly leaseErrors = new Counter({ name: "skiff_agent_lease_renew_errors_total", help: "Lease renewals that failed.", registers: [this.registry] });
  readonly lastContact = new Gauge({ name: "skiff_agent_last_server_contact_timestamp_seconds", help: "Unix time of the last successful contact with the API server.", registers: [this.registry] });
  private readonly runningPods = new Gauge({ name: "kubelet_running_pods", help: "Pods bound to this node that the agent runs.", registers: [this.registry] });
  private readonly containers = new Gauge({ name: "kubelet_running_containers", help: "Containers on this node by state.", labelNames: ["container_state"], registers: [this.registry] });
  private readonly probes = new Counter({ name: "prober_probe_total", help: "Probe results by type and result.", labelNames: ["probe_type", "result"], registers: [this.registry] });
  private readonly probeDuration = new Histogram({ name: "prober_probe_duration_seconds", help: "Probe latency by type.", labelNames: ["probe_type"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  probe(kind: ProbeKind, ok: boolean, seconds: number) {
    this.probes.inc({ probe_type: kind, result: ok ? "successful" : "failed" });
    this.probeDuration.observe({ probe_type: kind }, seconds);
  }

  observeRuntime(containers: ContainerInfo[], pods: number) {
    this.runningPods.set(pods);
    const counts: Record<string, number> = { running: 0, exited: 0, created: 0, unknown: 0 };
    for (const c of containers) counts[c.state] = (counts[c.state] ?? 0) + 1;
    for (const [state, n] of Object.entries(counts)) this.containers.set({ container_state: state }, n);
  }
}
