// Resource usage for metrics.k8s.io (kubectl top), pulled by the server from each node
// agent's /metrics/resource, as upstream's metrics-server pulls the kubelet's.
//
// Why pull: the server already dials every agent's HTTPS port for logs and exec with a
// per-node proxy token, so no new trust path or API write is needed; agents stay simple;
// and a node that stops answering simply drops out of `kubectl top` instead of leaving
// stale pushed numbers behind. CPU is a counter, so usage is the rate between two pulls.

/** Cumulative readings of one node, as the agent exposes them. */
export type ResourceSample = {
  /** Milliseconds since the epoch, when the agent read the node's values. */
  at: number;
  /** When the agent read the containers' counters (it reads them less often than it is pulled). */
  containersAt?: number;
  node: { cpuSeconds: number; memoryBytes: number };
  containers: { namespace: string; pod: string; container: string; cpuSeconds: number; memoryBytes: number }[];
};

export type Usage = { cpuCores: number; memoryBytes: number };
export type NodeUsage = Usage & { name: string; timestamp: string; windowSeconds: number };
export type PodUsage = { namespace: string; name: string; timestamp: string; /** The same instant in milliseconds. */ at?: number; windowSeconds: number; containers: (Usage & { name: string })[] };
export type ResourceStats = { nodes: NodeUsage[]; pods: PodUsage[] };
export type StatsProvider = () => Promise<ResourceStats>;

/**
 * Parses the agent's /metrics/resource text (kubelet's names: node_cpu_usage_seconds_total,
 * node_memory_working_set_bytes, container_cpu_usage_seconds_total and
 * container_memory_working_set_bytes with container/namespace/pod labels; optional
 * millisecond timestamps). Unknown lines are ignored.
 */
export function parseResourceMetrics(text: string, receivedAt: number): ResourceSample {
  const sample: ResourceSample = { at: receivedAt, node: { cpuSeconds: NaN, memoryBytes: NaN }, containers: [] };
  const containers = new Map<string, ResourceSample["containers"][number]>();
  let stamp: number | undefined;
  let containerStamp: number | undefined;
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\d+))?$/.exec(line.trim());
    if (!m) continue;
    const [, name, labelText, valueText, ts] = m;
    const value = Number(valueText);
    const isContainer = name === "container_cpu_usage_seconds_total" || name === "container_memory_working_set_bytes";
    if (ts && isContainer) containerStamp = Math.max(containerStamp ?? 0, Number(ts));
    else if (ts) stamp = Math.max(stamp ?? 0, Number(ts));
    if (name === "node_cpu_usage_seconds_total") sample.node.cpuSeconds = value;
    else if (name === "node_memory_working_set_bytes") sample.node.memoryBytes = value;
    else if (isContainer) {
      const labels = parseLabels(labelText ?? "");
      if (!labels.pod || !labels.container) continue;
      const key = `${labels.namespace}/${labels.pod}/${labels.container}`;
      let c = containers.get(key);
      if (!c) containers.set(key, (c = { namespace: labels.namespace ?? "", pod: labels.pod, container: labels.container, cpuSeconds: NaN, memoryBytes: NaN }));
      if (name === "container_cpu_usage_seconds_total") c.cpuSeconds = value;
      else c.memoryBytes = value;
    }
  }
  if (stamp ?? containerStamp) sample.at = (stamp ?? containerStamp)!;
  sample.containersAt = containerStamp ?? sample.at;
  sample.containers = [...containers.values()];
  return sample;
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  return out;
}

type NodeSamples = { previous?: ResourceSample; last: ResourceSample; containersPrevious?: ResourceSample; containersLast: ResourceSample };
const containersAt = (s: ResourceSample) => s.containersAt ?? s.at;

/**
 * Keeps the last two samples per node and turns them into usage: CPU is the rate between
 * two readings of the counters, over the time the agent says separates them (its own
 * timestamps), so the window is exact whatever the pull's delays.
 */
export class ResourceStatsCollector {
  private readonly samples = new Map<string, NodeSamples>();
  /** Computed once per set of samples: every HPA reads it on each sync. */
  private cached?: ResourceStats;

  ingest(node: string, sample: ResourceSample) {
    const prior = this.samples.get(node);
    if (prior && sample.at <= prior.last.at) return;
    this.cached = undefined;
    // A pull that brings the containers' same reading again keeps the pair spanning a real interval.
    const fresh = !prior || containersAt(sample) > containersAt(prior.containersLast);
    this.samples.set(node, {
      previous: prior?.last,
      last: sample,
      containersPrevious: fresh ? prior?.containersLast : prior.containersPrevious,
      containersLast: fresh ? sample : prior.containersLast,
    });
  }

  /** Nodes no longer in the cluster (or unreachable for long) are dropped by the caller. */
  forget(node: string) {
    this.cached = undefined;
    this.samples.delete(node);
  }

  nodes(): string[] {
    return [...this.samples.keys()];
  }

  /** Usage of every node and pod with two samples; a pod whose containers restarted (counter went back) waits for the next pull. */
  stats(): ResourceStats {
    return (this.cached ??= this.compute());
  }

  private compute(): ResourceStats {
    const out: ResourceStats = { nodes: [], pods: [] };
    const stampOf = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
    const rate = (now: number, before: number, seconds: number) => (now >= before ? (now - before) / seconds : NaN);
    for (const [name, { previous, last, containersPrevious, containersLast }] of this.samples) {
      if (previous && last.at > previous.at) {
        const seconds = (last.at - previous.at) / 1000;
        const nodeCpu = rate(last.node.cpuSeconds, previous.node.cpuSeconds, seconds);
        if (Number.isFinite(nodeCpu) && Number.isFinite(last.node.memoryBytes)) out.nodes.push({ name, timestamp: stampOf(last.at), windowSeconds: seconds, cpuCores: nodeCpu, memoryBytes: last.node.memoryBytes });
      }
      if (containersPrevious) out.pods.push(...podUsage(containersPrevious, containersLast, stampOf, rate));
    }
    return out;
  }
}

/** Usage of every pod between two readings; a pod whose containers restarted (counter went back) waits for the next one. */
function podUsage(previous: ResourceSample, last: ResourceSample, stampOf: (ms: number) => string, rate: (now: number, before: number, seconds: number) => number): PodUsage[] {
  const out: PodUsage[] = [];
  const seconds = (containersAt(last) - containersAt(previous)) / 1000;
  if (!(seconds > 0)) return out;
  const timestamp = stampOf(containersAt(last));
  const cpu = (now: number, before: number) => rate(now, before, seconds);
  const before = new Map(previous.containers.map((c) => [`${c.namespace}/${c.pod}/${c.container}`, c]));
  const pods = new Map<string, PodUsage>();
  const broken = new Set<string>();
  for (const c of last.containers) {
    const podKey = `${c.namespace}/${c.pod}`;
    const prev = before.get(`${podKey}/${c.container}`);
    const usage = prev ? cpu(c.cpuSeconds, prev.cpuSeconds) : NaN;
    if (!Number.isFinite(usage) || !Number.isFinite(c.memoryBytes)) {
      broken.add(podKey);
      continue;
    }
    let pod = pods.get(podKey);
    if (!pod) pods.set(podKey, (pod = { namespace: c.namespace, name: c.pod, timestamp, at: containersAt(last), windowSeconds: seconds, containers: [] }));
    pod.containers.push({ name: c.container, cpuCores: usage, memoryBytes: c.memoryBytes });
  }
  for (const [k, pod] of pods) if (!broken.has(k)) out.push(pod);
  return out;
}

export type AgentEndpoint = { node: string; base: string; token: string; caPem: string };

/**
 * Pulls every agent's /metrics/resource once into the collector (in parallel, each bounded
 * by timeoutMs); failures only drop that node's freshness. Run it on an interval (15 s, as
 * metrics-server) and hand `() => Promise.resolve(collector.stats())` to the metrics API.
 */
export async function pullAgents(collector: ResourceStatsCollector, agents: AgentEndpoint[], timeoutMs = 5000, fetchImpl: typeof fetch = fetch): Promise<{ ok: number; failed: string[] }> {
  const failed: string[] = [];
  let ok = 0;
  const present = new Set(agents.map((a) => a.node));
  for (const n of collector.nodes()) if (!present.has(n)) collector.forget(n);
  await Promise.all(
    agents.map(async (a) => {
      try {
        const res = await fetchImpl(`${a.base}/metrics/resource`, { headers: { Authorization: `Bearer ${a.token}` }, signal: AbortSignal.timeout(timeoutMs), tls: { ca: a.caPem } } as RequestInit);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        collector.ingest(a.node, parseResourceMetrics(await res.text(), Date.now()));
        ok++;
      } catch {
        failed.push(a.node);
      }
    }),
  );
  return { ok, failed };
}
