// The agent's Prometheus metrics (its own registry: server and agent can share a process),
// and the resource metrics the server pulls for `kubectl top` (cAdvisor/kubelet names).
import { readFileSync, statfsSync } from "node:fs";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { collectProcessMetrics } from "../metrics/process-metrics.ts";
import type { ContainerInfo, ContainerStats } from "./runtime/types.ts";
import type { ProbeKind } from "./probes.ts";
import { VolumeStats } from "./volume-stats.ts";


function nodeCpuSeconds(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [u = 0, n = 0, s = 0, , , irq = 0, sirq = 0, st = 0] = f;
  return (u + n + s + irq + sirq + st) / 100;
}

function nodeWorkingSetBytes(): number {
  const info: Record<string, number> = Object.fromEntries(
    readFileSync("/proc/meminfo", "utf8").split("\n").filter(Boolean).map((l) => {
      const [k, v] = l.split(":");
      return [k!, parseInt(v!, 10) * 1024];
    }),
  );
  return (info.MemTotal ?? 0) - (info.MemAvailable ?? 0);
}

export class AgentMetrics {
  readonly registry = new Registry();
  /** Served at /metrics/resource: what the server pulls for metrics.k8s.io. */
  readonly resource = new Registry();
  readonly leaseErrors = new Counter({ name: "skiff_agent_lease_renew_errors_total", help: "Lease renewals that failed.", registers: [this.registry] });
  readonly lastContact = new Gauge({ name: "skiff_agent_last_server_contact_timestamp_seconds", help: "Unix time of the last successful contact with the API server.", registers: [this.registry] });
  private readonly runningPods = new Gauge({ name: "kubelet_running_pods", help: "Pods bound to this node that the agent runs.", registers: [this.registry] });
  private readonly containers = new Gauge({ name: "kubelet_running_containers", help: "Containers on this node by state.", labelNames: ["container_state"], registers: [this.registry] });
  private readonly probes = new Counter({ name: "prober_probe_total", help: "Probe results by type and result.", labelNames: ["probe_type", "result"], registers: [this.registry] });
  private readonly probeDuration = new Histogram({ name: "prober_probe_duration_seconds", help: "Probe latency by type.", labelNames: ["probe_type"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] });
  private readonly containerCpu = new Counter({ name: "container_cpu_usage_seconds_total", help: "Cumulative cpu time consumed by the container in core-seconds.", labelNames: ["namespace", "pod", "container"], registers: [this.registry, this.resource] });
  private readonly containerMemory = new Gauge({ name: "container_memory_working_set_bytes", help: "Current working set of the container in bytes.", labelNames: ["namespace", "pod", "container"], registers: [this.registry, this.resource] });

  /** kubelet_volume_stats_* of the claims this node's pods mount. */
  readonly volumes = new VolumeStats(this.registry);

  /** When the containers' counters were last read (ms): their samples carry it, so the server's rates span the true interval. */
  private containersReadAt = 0;

  /** Delayed pod-worker wake-ups waiting to fire: at most one per pod (the agent sets the source). */
  pendingWakes: () => number = () => 0;

  constructor(nodeName?: string, dataDir = ".") {
    const self = this;
    // Every probe type and result from the start, so a panel over failures reads 0, not "No data".
    for (const probe_type of ["liveness", "readiness", "startup"]) for (const result of ["successful", "failed"]) this.probes.inc({ probe_type, result }, 0);
    new Gauge({ name: "skiff_agent_pending_wakes", help: "Delayed pod-worker wake-ups waiting to fire (at most one per pod).", registers: [this.registry], collect() { this.set(self.pendingWakes()); } });
    collectProcessMetrics(this.registry);
    if (nodeName) this.registry.setDefaultLabels({ node: nodeName });
    const both = [this.registry, this.resource];
    new Counter({
      name: "node_cpu_usage_seconds_total",
      help: "Cumulative cpu time consumed by the node in core-seconds.",
      registers: both,
      collect() {
        this.reset();
        this.inc(nodeCpuSeconds());
      },
    });
    new Gauge({ name: "node_memory_working_set_bytes", help: "Current working set of the node in bytes.", registers: both, collect() { this.set(nodeWorkingSetBytes()); } });
    new Gauge({ name: "skiff_agent_filesystem_available_bytes", help: "Bytes available on the data directory's filesystem.", registers: [this.registry], collect() { const s = statfsSync(dataDir); this.set(s.bavail * s.bsize); } });
    new Gauge({ name: "skiff_agent_filesystem_capacity_bytes", help: "Size of the data directory's filesystem.", registers: [this.registry], collect() { const s = statfsSync(dataDir); this.set(s.blocks * s.bsize); } });
  }

  /**
   * /metrics/resource as the kubelet serves it: every sample stamped with the time its value
   * was read (node figures now, container figures when the runtime was last asked).
   */
  async resourceText(): Promise<string> {
    const text = await this.resource.metrics();
    const now = Date.now();
    return text.replace(/^([a-z_]+)(\{[^\n]*\})? (\S+)$/gm, (line, name: string) => `${line} ${name.startsWith("container_") ? this.containersReadAt || now : now}`);
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

  observeContainerStats(stats: ContainerStats[], containers: ContainerInfo[], podOf: (uid: string) => { metadata: { namespace?: string; name?: string } } | undefined, readAt = Date.now()) {
    this.containersReadAt = readAt;
    const byId = new Map(containers.map((c) => [c.id, c]));
    this.containerCpu.reset();
    this.containerMemory.reset();
    for (const s of stats) {
      const c = byId.get(s.id);
      const pod = c && podOf(c.podUid);
      if (!c || !pod) continue;
      const l = { namespace: pod.metadata.namespace ?? "", pod: pod.metadata.name ?? "", container: c.name };
      this.containerCpu.inc(l, s.cpuSeconds);
      this.containerMemory.set(l, s.memoryWorkingSetBytes);
    }
  }
}
