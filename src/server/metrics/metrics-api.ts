// metrics.k8s.io/v1beta1, the resource metrics API `kubectl top` reads: discovery for the
// group and NodeMetrics / PodMetrics lists and gets, answered from a StatsProvider.
import type { Hono } from "hono";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { labelMatcher } from "../../api/selectors/index.ts";
import type { ResourceStats, StatsProvider, Usage } from "./resource-stats.ts";

export const METRICS_GROUP = "metrics.k8s.io";
export const METRICS_VERSION = "v1beta1";
const GV = `${METRICS_GROUP}/${METRICS_VERSION}`;

/** The APIGroup entry to add to /apis (legacy discovery). */
export const metricsApiGroup = {
  kind: "APIGroup",
  apiVersion: "v1",
  name: METRICS_GROUP,
  versions: [{ groupVersion: GV, version: METRICS_VERSION }],
  preferredVersion: { groupVersion: GV, version: METRICS_VERSION },
};

const RESOURCES = [
  { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
  { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
];

export const metricsApiResourceList = { kind: "APIResourceList", apiVersion: "v1", groupVersion: GV, resources: RESOURCES };

/** The APIGroupDiscovery item to add to the aggregated /apis document. */
export const metricsApiAggregatedDiscovery = {
  metadata: { name: METRICS_GROUP, creationTimestamp: null },
  versions: [
    {
      version: METRICS_VERSION,
      resources: RESOURCES.map((r) => ({ resource: r.name, responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind }, scope: r.namespaced ? "Namespaced" : "Cluster", singularResource: r.kind === "NodeMetrics" ? "node" : "pod", verbs: r.verbs })),
      freshness: "Current",
    },
  ],
};

/** Upstream's quantity forms: CPU in nanocores ("12345n"), memory in Ki. */
export function usageQuantities(u: Usage): { cpu: string; memory: string } {
  return { cpu: `${Math.round(u.cpuCores * 1e9)}n`, memory: `${Math.round(u.memoryBytes / 1024)}Ki` };
}

export type MetricsApiOptions = {
  stats: StatsProvider;
  /** Labels of a node or pod, for labelSelector (metrics-server copies the object's labels). */
  labelsOf?: (kind: "nodes" | "pods", namespace: string, name: string) => Record<string, string> | undefined;
};

const status = (code: number, reason: string, message: string, details?: object) =>
  new Response(JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code }), { status: code, headers: { "Content-Type": "application/json" } });

/** Mount before the resource routes (the app's `extend` hook). Discovery of the group itself must also list it: see metricsApiGroup. */
export function mountMetricsApi(app: Hono<any>, opts: MetricsApiOptions) {
  const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
  const base = `/apis/${METRICS_GROUP}/${METRICS_VERSION}`;
  app.get(`/apis/${METRICS_GROUP}`, () => json(metricsApiGroup));
  app.get(base, () => json(metricsApiResourceList));

  const nodeList = async (url: URL, name?: string) => {
    const stats = await opts.stats();
    const items = filter(stats.nodes.map((n) => nodeMetrics(n, opts.labelsOf?.("nodes", "", n.name))), url);
    if (name === undefined) return json({ kind: "NodeMetricsList", apiVersion: GV, metadata: {}, items });
    const item = items.find((i) => i.metadata.name === name);
    return item ? json(item) : status(404, "NotFound", `nodemetrics.metrics.k8s.io "${name}" not found`, { name, group: METRICS_GROUP, kind: "nodes" });
  };
  const podList = async (url: URL, namespace?: string, name?: string) => {
    const stats = await opts.stats();
    const pods = stats.pods.filter((p) => namespace === undefined || p.namespace === namespace);
    const items = filter(pods.map((p) => podMetrics(p, opts.labelsOf?.("pods", p.namespace, p.name))), url);
    if (name === undefined) return json({ kind: "PodMetricsList", apiVersion: GV, metadata: {}, items });
    const item = items.find((i) => i.metadata.name === name);
    return item ? json(item) : status(404, "NotFound", `podmetrics.metrics.k8s.io "${namespace}/${name}" not found`, { name, group: METRICS_GROUP, kind: "pods" });
  };
  app.get(`${base}/nodes`, (c) => nodeList(new URL(c.req.url)));
  app.get(`${base}/nodes/:name`, (c) => nodeList(new URL(c.req.url), c.req.param("name")));
  app.get(`${base}/pods`, (c) => podList(new URL(c.req.url)));
  app.get(`${base}/namespaces/:ns/pods`, (c) => podList(new URL(c.req.url), c.req.param("ns")));
  app.get(`${base}/namespaces/:ns/pods/:name`, (c) => podList(new URL(c.req.url), c.req.param("ns"), c.req.param("name")));
}

function filter<T extends KubeObject>(items: T[], url: URL): T[] {
  const selector = url.searchParams.get("labelSelector");
  if (!selector) return items;
  const matches = labelMatcher(selector);
  return items.filter((i) => matches(i.metadata.labels ?? {}));
}

function nodeMetrics(n: ResourceStats["nodes"][number], labels?: Record<string, string>) {
  return {
    kind: "NodeMetrics",
    apiVersion: GV,
    metadata: { name: n.name, creationTimestamp: n.timestamp, ...(labels ? { labels } : {}) },
    timestamp: n.timestamp,
    window: `${round(n.windowSeconds)}s`,
    usage: usageQuantities(n),
  };
}

function podMetrics(p: ResourceStats["pods"][number], labels?: Record<string, string>) {
  return {
    kind: "PodMetrics",
    apiVersion: GV,
    metadata: { name: p.name, namespace: p.namespace, creationTimestamp: p.timestamp, ...(labels ? { labels } : {}) },
    timestamp: p.timestamp,
    window: `${round(p.windowSeconds)}s`,
    containers: p.containers.map((c) => ({ name: c.name, usage: usageQuantities(c) })),
  };
}

const round = (s: number) => Math.round(s * 1000) / 1000;
