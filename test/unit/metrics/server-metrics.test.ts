import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import type { KindDef, KubeObject } from "../../../src/api/kinds/kind.ts";
import { deploymentKind, podKind } from "../../../src/api/kinds/index.ts";
import { createServerMetrics } from "../../../src/server/metrics/server-metrics.ts";
import { requestLabels } from "../../../src/server/metrics/request-labels.ts";
import { RESOURCES, staticSource } from "../../../src/server/metrics/object-source.ts";
import { newFailures, probeTypeOf } from "../../../src/server/metrics/probe-failures.ts";
import type { Change } from "../../../src/store/store.ts";

/** Parses the text exposition into "name{labels}" → value, labels sorted, for exact lookups. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels = (m[2] ?? "").match(/\w+="(?:[^"\\]|\\.)*"/g) ?? [];
    out.set(`${m[1]}{${labels.sort().join(",")}}`, Number(m[3]));
  }
  return out;
}
const key = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(",")}}`;

const ownedBy = (kind: string, name: string) => [{ apiVersion: "apps/v1", kind, name, uid: name, controller: true }];

function cluster() {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const objects: Record<string, KubeObject[]> = {
    [RESOURCES.nodes]: [
      { metadata: { name: "n1", uid: "n1" }, status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: "2026-01-01T00:00:00Z" }, { type: "DiskPressure", status: "False" }], capacity: { cpu: "2", memory: "4Gi", pods: "110" } } },
      { metadata: { name: "n2", uid: "n2" }, status: { conditions: [{ type: "Ready", status: "Unknown", lastHeartbeatTime: "2025-12-31T23:50:00Z" }] } },
    ],
    [RESOURCES.leases]: [{ metadata: { name: "n1", namespace: "kube-node-lease" }, spec: { renewTime: "2026-01-01T00:00:05.000000Z" } }],
    [RESOURCES.deployments]: [{ metadata: { name: "web", namespace: "shop", uid: "d" }, spec: { replicas: 3 }, status: { availableReplicas: 2, readyReplicas: 2 } }],
    [RESOURCES.replicaSets]: [{ metadata: { name: "web-abc", namespace: "shop", ownerReferences: ownedBy("Deployment", "web") } }],
    [RESOURCES.pods]: [
      { metadata: { name: "web-abc-1", namespace: "shop", ownerReferences: ownedBy("ReplicaSet", "web-abc") }, spec: { nodeName: "n1" }, status: { phase: "Running", containerStatuses: [{ restartCount: 2 }, { restartCount: 1 }] } },
      { metadata: { name: "web-abc-2", namespace: "shop", ownerReferences: ownedBy("ReplicaSet", "web-abc") }, spec: { nodeName: "n2" }, status: { phase: "Running", containerStatuses: [{ restartCount: 4 }] } },
      { metadata: { name: "job", namespace: "shop" }, spec: { nodeName: "n1" }, status: { phase: "Succeeded", containerStatuses: [{ restartCount: 9 }] } },
      { metadata: { name: "waiting", namespace: "default" }, spec: {} },
    ],
  };
  const store = { revision: 42, compactedRevision: 30, compactions: 0, sizes: () => ({ db: 4096, wal: 1024 }) };
  let clock = now;
  const controllers = [{ opts: { name: "replicaset-controller" }, queue: { depth: 3 } }];
  const sched = { pending: 2, scheduled: 5 };
  const listeners: ((c: Change) => void)[] = [];
  const metrics = createServerMetrics({
    source: staticSource(objects),
    store,
    controllers: () => controllers,
    scheduler: () => sched,
    subscribe: (l) => (listeners.push(l), () => {}),
    now: () => clock,
  });
  return { metrics, objects, store, controllers, sched, emit: (c: Change) => listeners.forEach((l) => l(c)), advance: (ms: number) => (clock += ms), scrape: async () => parse(await metrics.registry.metrics()) };
}

describe("request labels", () => {
  test("Kubernetes verbs from method and path, as upstream", () => {
    expect(requestLabels("GET", "/api/v1/namespaces/a/pods")).toMatchObject({ verb: "LIST", resource: "pods", group: "", version: "v1", scope: "namespace" });
    expect(requestLabels("GET", "/api/v1/pods")).toMatchObject({ verb: "LIST", scope: "cluster" });
    expect(requestLabels("GET", "/api/v1/namespaces/a/pods", new URLSearchParams("watch=1"))).toMatchObject({ verb: "WATCH" });
    expect(requestLabels("GET", "/api/v1/watch/namespaces/a/pods")).toMatchObject({ verb: "WATCH" });
    expect(requestLabels("GET", "/apis/apps/v1/namespaces/a/deployments/web")).toMatchObject({ verb: "GET", group: "apps", resource: "deployments", scope: "resource" });
    expect(requestLabels("POST", "/apis/apps/v1/namespaces/a/deployments")).toMatchObject({ verb: "CREATE", scope: "resource" });
    expect(requestLabels("PUT", "/apis/apps/v1/namespaces/a/deployments/web/status")).toMatchObject({ verb: "UPDATE", subresource: "status" });
    expect(requestLabels("PATCH", "/api/v1/nodes/n1")).toMatchObject({ verb: "PATCH", scope: "resource" });
    expect(requestLabels("DELETE", "/api/v1/namespaces/a/pods/p")).toMatchObject({ verb: "DELETE" });
    expect(requestLabels("DELETE", "/api/v1/namespaces/a/pods")).toMatchObject({ verb: "DELETECOLLECTION" });
    expect(requestLabels("GET", "/api/v1/namespaces/a/pods/p/exec")).toMatchObject({ verb: "CONNECT", subresource: "exec" });
    expect(requestLabels("GET", "/api/v1/namespaces/a/pods/p/log")).toMatchObject({ verb: "GET", subresource: "log" });
    expect(requestLabels("GET", "/metrics")).toMatchObject({ verb: "GET", resource: "", scope: "" });
  });
});

describe("server metrics", () => {
  test("requests are counted by verb/resource/code; watches counted, kept out of latency", async () => {
    const { metrics, scrape } = cluster();
    metrics.onRequest({ verb: "GET", resource: "/api/v1/namespaces/a/pods", code: 200, seconds: 0.01 });
    metrics.onRequest({ verb: "GET", resource: "/api/v1/namespaces/a/pods", code: 200, seconds: 0.03 });
    metrics.onRequest({ verb: "POST", resource: "/api/v1/namespaces/a/pods", code: 422, seconds: 0.002 });
    // A watch: the HTTP layer reports the open before the request completes, without the query.
    metrics.watchMetrics.opened(podKind as KindDef);
    metrics.onRequest({ verb: "GET", resource: "/api/v1/namespaces/a/pods", code: 200, seconds: 0.001 });
    metrics.watchMetrics.sent(podKind as KindDef);
    const base = { group: "", version: "v1", resource: "pods", subresource: "", component: "apiserver" };
    let m = await scrape();
    expect(m.get(key("apiserver_request_total", { ...base, verb: "LIST", scope: "namespace", code: "200" }))).toBe(2);
    expect(m.get(key("apiserver_request_total", { ...base, verb: "WATCH", scope: "namespace", code: "200" }))).toBe(1);
    expect(m.get(key("apiserver_request_total", { ...base, verb: "CREATE", scope: "resource", code: "422" }))).toBe(1);
    expect(m.get(key("apiserver_request_duration_seconds_count", { ...base, verb: "LIST", scope: "namespace" }))).toBe(2);
    expect(m.get(key("apiserver_request_duration_seconds_count", { ...base, verb: "WATCH", scope: "namespace" }))).toBeUndefined();
    expect(m.get(key("apiserver_registered_watchers", { group: "", version: "v1", kind: "Pod" }))).toBe(1);
    expect(m.get(key("apiserver_watch_events_total", { group: "", version: "v1", kind: "Pod" }))).toBe(1);
    metrics.watchMetrics.closed(podKind as KindDef);
    m = await scrape();
    expect(m.get(key("apiserver_registered_watchers", { group: "", version: "v1", kind: "Pod" }))).toBe(0);
    expect(m.get(key("apiserver_longrunning_requests", { verb: "WATCH", group: "", version: "v1", resource: "pods", component: "apiserver" }))).toBe(0);
  });

  test("store, stored objects, scheduler and controllers", async () => {
    const { metrics, store, scrape } = cluster();
    store.compactions = 2;
    let m = await scrape();
    expect(m.get("skiff_store_db_size_bytes{}")).toBe(4096);
    expect(m.get("skiff_store_wal_size_bytes{}")).toBe(1024);
    expect(m.get("skiff_store_revision{}")).toBe(42);
    expect(m.get("skiff_store_compactions_total{}")).toBe(2);
    expect(m.get(key("apiserver_storage_objects", { resource: "pods" }))).toBe(4);
    expect(m.get(key("apiserver_storage_objects", { resource: "deployments.apps" }))).toBe(1);
    expect(m.get(key("apiserver_storage_objects", { resource: "leases.coordination.k8s.io" }))).toBe(1);
    expect(m.get(key("scheduler_pending_pods", { queue: "active" }))).toBe(2);
    expect(m.get(key("scheduler_schedule_attempts_total", { result: "unschedulable", profile: "default-scheduler" }))).toBe(0);
    metrics.scheduler.attempt("scheduled", 0.004);
    metrics.onReconciled("replicaset-controller", 0.02, true);
    metrics.onReconciled("replicaset-controller", 0.02, false);
    store.compactions = 3;
    m = await scrape();
    expect(m.get("skiff_store_compactions_total{}")).toBe(3);
    expect(m.get(key("scheduler_schedule_attempts_total", { result: "scheduled", profile: "default-scheduler" }))).toBe(1);
    expect(m.get(key("workqueue_depth", { name: "replicaset-controller" }))).toBe(3);
    expect(m.get(key("controller_runtime_reconcile_total", { controller: "replicaset-controller", result: "error" }))).toBe(1);
    expect(m.get(key("controller_runtime_reconcile_time_seconds_count", { controller: "replicaset-controller" }))).toBe(2);
  });

  test("cluster state: nodes by condition, pods per node and phase, Deployments' replicas and restarts", async () => {
    const { scrape } = cluster();
    const m = await scrape();
    expect(m.get(key("skiff_nodes", { condition: "Ready", status: "True" }))).toBe(1);
    expect(m.get(key("skiff_nodes", { condition: "Ready", status: "Unknown" }))).toBe(1);
    expect(m.get(key("skiff_node_condition", { node: "n2", condition: "Ready", status: "Unknown" }))).toBe(1);
    // The finished pod does not occupy n1.
    expect(m.get(key("skiff_node_pods", { node: "n1" }))).toBe(1);
    expect(m.get(key("skiff_node_container_restarts", { node: "n1" }))).toBe(3);
    expect(m.get(key("skiff_node_container_restarts", { node: "n2" }))).toBe(4);
    // n1's Lease renewal is newer than its condition heartbeat; n2 has only the condition.
    expect(m.get(key("skiff_node_last_heartbeat_timestamp_seconds", { node: "n1" }))).toBe(Date.parse("2026-01-01T00:00:05Z") / 1000);
    expect(m.get(key("skiff_node_last_heartbeat_timestamp_seconds", { node: "n2" }))).toBe(Date.parse("2025-12-31T23:50:00Z") / 1000);
    expect(m.get(key("skiff_node_capacity", { node: "n1", resource: "cpu" }))).toBe(2);
    expect(m.get(key("skiff_node_capacity", { node: "n1", resource: "memory" }))).toBe(4 * 2 ** 30);
    expect(m.get(key("skiff_pods", { namespace: "shop", phase: "Running" }))).toBe(2);
    expect(m.get(key("skiff_pods", { namespace: "shop", phase: "Succeeded" }))).toBe(1);
    expect(m.get(key("skiff_pods", { namespace: "default", phase: "Pending" }))).toBe(1);
    expect(m.get(key("skiff_deployment_spec_replicas", { namespace: "shop", deployment: "web" }))).toBe(3);
    expect(m.get(key("skiff_deployment_status_replicas_available", { namespace: "shop", deployment: "web" }))).toBe(2);
    expect(m.get(key("skiff_deployment_container_restarts", { namespace: "shop", deployment: "web" }))).toBe(7);
  });

  test("probe failures are counted per Deployment from Unhealthy Events, deduplicated counts included", async () => {
    const { emit, scrape } = cluster();
    expect(probeTypeOf("Liveness probe failed: HTTP probe failed with statuscode: 500")).toBe("liveness");
    expect(probeTypeOf("Back-off restarting failed container")).toBeUndefined();
    const event = (count: number): KubeObject => ({
      metadata: { name: "web-abc-1.1", namespace: "shop" },
      involvedObject: { kind: "Pod", namespace: "shop", name: "web-abc-1" },
      reason: "Unhealthy",
      message: "Readiness probe failed: connection refused",
      count,
    });
    const change = (type: Change["type"], object: KubeObject, previous?: KubeObject): Change => ({ revision: 1, resource: "events", namespace: "shop", name: "web-abc-1.1", type, object, previous });
    emit(change("ADDED", event(1)));
    emit(change("MODIFIED", event(4), event(1)));
    // Another writer touching the same event without a new count adds nothing.
    emit(change("MODIFIED", event(4), event(4)));
    expect(newFailures(change("DELETED", event(4)))).toBe(0);
    const m = await scrape();
    expect(m.get(key("skiff_probe_failures_total", { namespace: "shop", deployment: "web", probe_type: "readiness" }))).toBe(4);
  });

  test("availability series appear on the tick and accrue", async () => {
    const { metrics, advance, scrape } = cluster();
    metrics.availability.tick();
    advance(2000);
    metrics.availability.tick();
    const m = await scrape();
    expect(m.get(key("skiff_availability_up_seconds_total", { kind: "Node", namespace: "", name: "n1" }))).toBe(2);
    expect(m.get(key("skiff_availability_up_seconds_total", { kind: "Node", namespace: "", name: "n2" }))).toBe(0);
    // 2 available of 3 with the default 25% maxUnavailable (0 of 3): down.
    expect(m.get(key("skiff_availability_ratio", { kind: "Deployment", namespace: "shop", name: "web" }))).toBe(0);
    expect(m.get(key("skiff_availability_observed_seconds_total", { kind: "Deployment", namespace: "shop", name: "web" }))).toBe(2);
  });

  test("/metrics is mounted on the app and speaks the text format; process metrics included", async () => {
    const { metrics } = cluster();
    const app = new Hono();
    metrics.routes(app);
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE apiserver_request_total counter");
    expect(text).toContain("process_cpu_seconds_total");
    expect(metrics.anonymousPaths).toEqual([]);
    expect(createServerMetrics({ source: staticSource({}), store: { revision: 0, compactedRevision: 0, compactions: 0, sizes: () => ({ db: 0, wal: 0 }) }, anonymous: true }).anonymousPaths).toEqual(["/metrics"]);
  });
});

describe("health checks", () => {
  test("controllers fail when keys stay queued without a reconcile; scheduler when pods wait without binds", async () => {
    const { metrics, controllers, sched, advance } = cluster();
    await metrics.health.controllers.check();
    await metrics.health.scheduler.check();
    advance(61_000);
    expect(() => metrics.health.controllers.check()).toThrow(/replicaset-controller \(3 queued/);
    expect(() => metrics.health.scheduler.check()).toThrow(/2 pods pending/);
    metrics.onReconciled("replicaset-controller", 0.01, true);
    sched.scheduled++;
    await metrics.health.controllers.check();
    await metrics.health.scheduler.check();
    // An idle queue is healthy however long it stays idle.
    controllers[0]!.queue.depth = 0;
    sched.pending = 0;
    advance(300_000);
    await metrics.health.controllers.check();
    await metrics.health.scheduler.check();
  });
});

// deploymentKind is imported so a rename of the served kinds breaks this test loudly.
test("the served Deployment kind is the one the metrics read", () => {
  expect(`${deploymentKind.group}/${deploymentKind.plural}`).toBe(RESOURCES.deployments);
});

describe("cluster state from the change feed", () => {
  const clusterSeries = (m: Map<string, number>) => new Map([...m].filter(([k]) => /^skiff_(nodes|node_|pods|deployment_)/.test(k)));

  test("after changes, /metrics shows what a rebuild from the stored objects shows", async () => {
    const { objects, emit, scrape } = cluster();
    // The first scrape builds the state; what follows arrives as changes.
    expect((await scrape()).get(key("skiff_node_pods", { node: "n2" }))).toBe(1);
    const change = (type: Change["type"], resource: string, object: KubeObject): Change => ({ revision: 1, resource, namespace: object.metadata.namespace ?? "", name: object.metadata.name!, type, object });
    const pods = objects[RESOURCES.pods]!;
    // A pod finishes, another restarts again, one is deleted, one is created on n2.
    const [web1, web2, job] = pods as [KubeObject, KubeObject, KubeObject];
    web1.status = { phase: "Failed", containerStatuses: [{ restartCount: 3 }] };
    emit(change("MODIFIED", RESOURCES.pods, web1));
    web2.status = { phase: "Running", containerStatuses: [{ restartCount: 6 }] };
    emit(change("MODIFIED", RESOURCES.pods, web2));
    pods.splice(pods.indexOf(job), 1);
    emit(change("DELETED", RESOURCES.pods, job));
    const extra: KubeObject = { metadata: { name: "web-abc-3", namespace: "shop", ownerReferences: ownedBy("ReplicaSet", "web-abc") }, spec: { nodeName: "n2" }, status: { phase: "Running", containerStatuses: [{ restartCount: 1 }] } };
    pods.push(extra);
    emit(change("ADDED", RESOURCES.pods, extra));
    // n1 loses Ready and its Lease is renewed; the Deployment scales; a Deployment is added.
    const n1 = objects[RESOURCES.nodes]![0]!;
    n1.status = { ...(n1.status as object), conditions: [{ type: "Ready", status: "False", lastHeartbeatTime: "2026-01-01T00:01:00Z" }] };
    emit(change("MODIFIED", RESOURCES.nodes, n1));
    const lease = objects[RESOURCES.leases]![0]!;
    lease.spec = { renewTime: "2026-01-01T00:02:00.000000Z" };
    emit(change("MODIFIED", RESOURCES.leases, lease));
    const web = objects[RESOURCES.deployments]![0]!;
    web.spec = { replicas: 5 };
    emit(change("MODIFIED", RESOURCES.deployments, web));
    const api: KubeObject = { metadata: { name: "api", namespace: "shop", uid: "api" }, spec: { replicas: 1 }, status: {} };
    objects[RESOURCES.deployments]!.push(api);
    emit(change("ADDED", RESOURCES.deployments, api));

    const incremental = clusterSeries(await scrape());
    const rebuilt = clusterSeries(parse(await createServerMetrics({ source: staticSource(objects), store: { revision: 0, compactedRevision: 0, compactions: 0, sizes: () => ({ db: 0, wal: 0 }) } }).registry.metrics()));
    expect(incremental).toEqual(rebuilt);
    expect(incremental.get(key("skiff_node_pods", { node: "n2" }))).toBe(2);
    expect(incremental.get(key("skiff_node_pods", { node: "n1" }))).toBe(0);
    expect(incremental.get(key("skiff_deployment_container_restarts", { namespace: "shop", deployment: "web" }))).toBe(10);
    expect(incremental.get(key("skiff_deployment_spec_replicas", { namespace: "shop", deployment: "api" }))).toBe(1);
    expect(incremental.get(key("skiff_node_last_heartbeat_timestamp_seconds", { node: "n1" }))).toBe(Date.parse("2026-01-01T00:02:00Z") / 1000);
    expect(incremental.get(key("skiff_pods", { namespace: "shop", phase: "Succeeded" }))).toBeUndefined();
  });
});
