import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { parseResourceMetrics, pullAgents, ResourceStatsCollector } from "../../../src/server/metrics/resource-stats.ts";
import { METRICS_GROUP, metricsApiAggregatedDiscovery, mountMetricsApi, usageQuantities } from "../../../src/server/metrics/metrics-api.ts";

// The agent's /metrics/resource, in the kubelet's names and layout.
const exposition = (cpuNode: number, cpuA: number, cpuB: number, ts: number) => `# HELP node_cpu_usage_seconds_total Cumulative cpu time consumed by the node in core-seconds
# TYPE node_cpu_usage_seconds_total counter
node_cpu_usage_seconds_total ${cpuNode} ${ts}
# TYPE node_memory_working_set_bytes gauge
node_memory_working_set_bytes 1.073741824e+09 ${ts}
# TYPE container_cpu_usage_seconds_total counter
container_cpu_usage_seconds_total{container="web",namespace="shop",pod="web-1"} ${cpuA} ${ts}
container_cpu_usage_seconds_total{container="sidecar",namespace="shop",pod="web-1"} ${cpuB} ${ts}
# TYPE container_memory_working_set_bytes gauge
container_memory_working_set_bytes{container="web",namespace="shop",pod="web-1"} 52428800 ${ts}
container_memory_working_set_bytes{container="sidecar",namespace="shop",pod="web-1"} 10485760 ${ts}
`;

describe("resource stats", () => {
  test("the kubelet-style exposition parses into one sample, timestamped by the agent", () => {
    const s = parseResourceMetrics(exposition(100, 10, 1, 1_700_000_000_000), 5);
    expect(s.at).toBe(1_700_000_000_000);
    expect(s.node).toEqual({ cpuSeconds: 100, memoryBytes: 2 ** 30 });
    expect(s.containers).toContainEqual({ namespace: "shop", pod: "web-1", container: "web", cpuSeconds: 10, memoryBytes: 50 * 2 ** 20 });
  });

  test("CPU usage is the rate between two pulls; a counter that went back waits for the next pull", () => {
    const c = new ResourceStatsCollector();
    c.ingest("n1", parseResourceMetrics(exposition(100, 10, 1, 1_000_000), 0));
    expect(c.stats()).toEqual({ nodes: [], pods: [] });
    c.ingest("n1", parseResourceMetrics(exposition(103, 10.5, 1.25, 1_010_000), 0));
    const s = c.stats();
    expect(s.nodes).toEqual([{ name: "n1", timestamp: new Date(1_010_000).toISOString().replace(/\.\d+Z$/, "Z"), windowSeconds: 10, cpuCores: 0.3, memoryBytes: 2 ** 30 }]);
    expect(s.pods).toHaveLength(1);
    expect(s.pods[0]!.containers).toEqual([
      { name: "web", cpuCores: 0.05, memoryBytes: 50 * 2 ** 20 },
      { name: "sidecar", cpuCores: 0.025, memoryBytes: 10 * 2 ** 20 },
    ]);
    // The sidecar restarted: its counter restarted from zero.
    c.ingest("n1", parseResourceMetrics(exposition(104, 11, 0.1, 1_020_000), 0));
    expect(c.stats().pods).toEqual([]);
    // An older sample than the last one is ignored.
    c.ingest("n1", parseResourceMetrics(exposition(1, 1, 0, 1_000_000), 0));
    expect(c.stats().nodes[0]!.cpuCores).toBeCloseTo(0.1, 9);
  });

  test("pulling asks each agent's /metrics/resource with its token and forgets departed nodes", async () => {
    const c = new ResourceStatsCollector();
    const seen: string[] = [];
    let t = 1_000_000;
    const fake = (async (url: string, init: RequestInit) => {
      seen.push(`${url} ${(init.headers as Record<string, string>).Authorization}`);
      if (url.startsWith("https://down")) throw new Error("refused");
      t += 15_000;
      return new Response(exposition(t / 1000, 1, 1, t));
    }) as unknown as typeof fetch;
    const agents = [
      { node: "n1", base: "https://n1:10250", token: "tok1", caPem: "" },
      { node: "n2", base: "https://down:10250", token: "tok2", caPem: "" },
    ];
    expect(await pullAgents(c, agents, 1000, fake)).toEqual({ ok: 1, failed: ["n2"] });
    await pullAgents(c, agents, 1000, fake);
    expect(seen).toContain("https://n1:10250/metrics/resource Bearer tok1");
    expect(c.stats().nodes.map((n) => [n.name, n.cpuCores])).toEqual([["n1", 1]]);
    await pullAgents(c, [agents[1]!], 1000, fake);
    expect(c.nodes()).toEqual([]);
  });
});

describe("metrics.k8s.io/v1beta1", () => {
  const stats = {
    nodes: [{ name: "n1", timestamp: "2026-01-01T00:00:00Z", windowSeconds: 15, cpuCores: 0.25, memoryBytes: 512 * 2 ** 20 }],
    pods: [
      { namespace: "shop", name: "web-1", timestamp: "2026-01-01T00:00:00Z", windowSeconds: 15, containers: [{ name: "web", cpuCores: 0.001, memoryBytes: 2 ** 20 }] },
      { namespace: "other", name: "db-0", timestamp: "2026-01-01T00:00:00Z", windowSeconds: 15, containers: [{ name: "db", cpuCores: 0.5, memoryBytes: 2 ** 30 }] },
    ],
  };
  const app = new Hono();
  mountMetricsApi(app, { stats: async () => stats, labelsOf: (kind, _ns, name): Record<string, string> => (kind === "pods" ? { app: name.split("-")[0]! } : { "node-role": "edge" }) });
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, body: (await res.json()) as any };
  };

  test("quantities in upstream's units", () => {
    expect(usageQuantities({ cpuCores: 0.25, memoryBytes: 512 * 2 ** 20 })).toEqual({ cpu: "250000000n", memory: "524288Ki" });
  });

  test("discovery for the group and its resources", async () => {
    expect((await get("/apis/metrics.k8s.io")).body).toMatchObject({ kind: "APIGroup", name: METRICS_GROUP, preferredVersion: { version: "v1beta1" } });
    const list = (await get("/apis/metrics.k8s.io/v1beta1")).body;
    expect(list.resources.map((r: { name: string; kind: string; namespaced: boolean }) => [r.name, r.kind, r.namespaced])).toEqual([["nodes", "NodeMetrics", false], ["pods", "PodMetrics", true]]);
    expect(metricsApiAggregatedDiscovery.versions[0]!.resources.map((r) => r.scope)).toEqual(["Cluster", "Namespaced"]);
  });

  test("NodeMetrics list and get", async () => {
    const list = (await get("/apis/metrics.k8s.io/v1beta1/nodes")).body;
    expect(list.kind).toBe("NodeMetricsList");
    expect(list.items[0]).toEqual({ kind: "NodeMetrics", apiVersion: "metrics.k8s.io/v1beta1", metadata: { name: "n1", creationTimestamp: "2026-01-01T00:00:00Z", labels: { "node-role": "edge" } }, timestamp: "2026-01-01T00:00:00Z", window: "15s", usage: { cpu: "250000000n", memory: "524288Ki" } });
    expect((await get("/apis/metrics.k8s.io/v1beta1/nodes/n1")).body.metadata.name).toBe("n1");
    const missing = await get("/apis/metrics.k8s.io/v1beta1/nodes/n9");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ kind: "Status", reason: "NotFound", message: 'nodemetrics.metrics.k8s.io "n9" not found' });
  });

  test("PodMetrics by namespace, all namespaces, label selector and name", async () => {
    expect((await get("/apis/metrics.k8s.io/v1beta1/pods")).body.items).toHaveLength(2);
    const shop = (await get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods")).body;
    expect(shop.kind).toBe("PodMetricsList");
    expect(shop.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["web-1"]);
    expect(shop.items[0].containers).toEqual([{ name: "web", usage: { cpu: "1000000n", memory: "1024Ki" } }]);
    expect((await get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb")).body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["db-0"]);
    expect((await get("/apis/metrics.k8s.io/v1beta1/namespaces/other/pods/db-0")).body.metadata).toMatchObject({ name: "db-0", namespace: "other" });
    expect((await get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/db-0")).status).toBe(404);
  });
});
