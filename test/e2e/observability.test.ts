// Observability against a real Prometheus: promtool accepts the exposition, every
// dashboard query returns data from a live (in-process) server, and a Deployment that
// loses its available replicas shows falling availability and growing downtime.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import type { Server } from "bun";
import type { KindDef } from "../../src/api/kinds/kind.ts";
import { createApiApp } from "../../src/api/http/app.ts";
import type { UserInfo } from "../../src/api/http/types.ts";
import { namespaceController } from "../../src/controllers/namespace.ts";
import type { Controller } from "../../src/controllers/runtime/controller.ts";
import { createServerMetrics, type ServerMetrics } from "../../src/server/metrics/server-metrics.ts";
import { registrySource } from "../../src/server/metrics/object-source.ts";
import { AgentMetrics } from "../../src/agent/metrics.ts";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import {
  dashboardQueries,
  fillVariables,
  loadDashboards,
  metricNamesIn,
  parseLabelValues,
  promtoolCheckMetrics,
  requireTool,
  startPrometheus,
  variableQuery,
  type RunningPrometheus,
  type ScrapeTarget,
} from "../support/prometheus.ts";
import { PROPOSED_AGENT_METRICS } from "../unit/metrics/proposed-agent-metrics.ts";

setDefaultTimeout(120_000);

const NODE = "edge-1";
const NS = "shop";
const VARIABLES = { node: NODE, namespace: NS, deployment: "web", job: "skiff" };

let server: TestServer;
let prom: RunningPrometheus;
let target: { base: string; fetch: (path: string, init?: RequestInit) => Promise<Response>; scrape: ScrapeTarget };
const cleanups: (() => Promise<void> | void)[] = [];
let agentMetrics: AgentMetrics;
let agentServer: Server<undefined>;

const kind = (group: string, k: string): KindDef => server.registry.kinds.find((d) => d.group === group && d.kind === k)!;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/**
 * The server's /metrics when start.ts serves it; until then the same wiring it will use
 * (createApiApp with the metrics' hooks and routes, over the test server's registry and
 * store) on a loopback port.
 */
async function metricsTarget(): Promise<typeof target> {
  const wired = await apiFetch(server, "/metrics");
  if (wired.status === 200) {
    const u = new URL(server.url);
    return {
      base: server.url,
      fetch: (path, init) => apiFetch(server, path, init ?? {}),
      scrape: { job: "skiff", address: u.host, scheme: "https", caPem: server.caPem, token: server.adminToken },
    };
  }
  const registry = server.registry;
  // The server's scheduler is not reachable from here: observe its work through the store
  // (pods waiting for a node, pods bound) until start.ts hands the Scheduler to the metrics.
  const scheduler = {
    get pending() {
      return registry.list(kind("", "Pod"), undefined, (p) => !(p.spec as { nodeName?: string }).nodeName && !p.metadata.deletionTimestamp).items.length;
    },
    get scheduled() {
      return registry.list(kind("", "Pod"), undefined, (p) => !!(p.spec as { nodeName?: string }).nodeName).items.length;
    },
  };
  // A controller of this process's own, so reconcile metrics flow through the same hook start.ts will use.
  const controller: Controller = namespaceController(registry);
  let metrics: ServerMetrics | undefined;
  metrics = createServerMetrics({
    source: registrySource(registry),
    store: server.store,
    subscribe: (l) => registry.subscribe(l),
    controllers: () => [controller],
    scheduler: () => scheduler,
  });
  controller.opts.onReconciled = metrics.onReconciled;
  const admin: UserInfo = { name: "system:admin", groups: ["system:masters", "system:authenticated"] };
  const app = createApiApp({
    registry,
    authenticate: (t) => (t === server.adminToken ? admin : undefined),
    health: { livez: [], readyz: [metrics.health.controllers, metrics.health.scheduler] },
    serverAddress: "127.0.0.1:0",
    anonymousPaths: metrics.anonymousPaths,
    extend: (a) => metrics!.routes(a),
    watchMetrics: metrics.watchMetrics,
    onRequest: metrics.onRequest,
  });
  const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch, idleTimeout: 0 });
  controller.start();
  controller.enqueue("default");
  metrics.start();
  cleanups.push(async () => {
    metrics!.stop();
    http.stop(true);
    await controller.stop();
  });
  const base = `http://127.0.0.1:${http.port}`;
  return {
    base,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${server.adminToken}`);
      if (init.body !== undefined) headers.set("Content-Type", "application/json");
      return fetch(base + path, { ...init, headers });
    },
    scrape: { job: "skiff", address: `127.0.0.1:${http.port}`, scheme: "http", token: server.adminToken },
  };
}

/** The pods the Deployment's controllers made for "web". */
const webPods = () => server.registry.list(kind("", "Pod"), NS, (p) => p.metadata.labels?.app === "web").items;

/**
 * Seeds a node and workloads. The server's own controllers make the ReplicaSet and pods and
 * its scheduler binds them; the test plays the node's agent, writing node and pod status
 * through the registry (there is no agent process here).
 */
async function seedCluster() {
  const r = server.registry;
  await r.create(kind("", "Namespace"), "", { metadata: { name: NS } });
  await r.create(kind("", "Node"), "", { metadata: { name: NODE, labels: { "kubernetes.io/hostname": NODE } } });
  await r.replace(kind("", "Node"), "", NODE, (n) => ({
    ...n!,
    status: {
      capacity: { cpu: "2", memory: "4Gi", pods: "110" },
      allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastHeartbeatTime: now(), lastTransitionTime: now() }],
    },
  }), {}, "status");
  // The agent's heartbeat: without it the node lifecycle controller would mark the node
  // unreachable after its grace period and the pods not ready.
  const renewTime = () => new Date().toISOString().replace("Z", "000Z");
  await r.create(kind("coordination.k8s.io", "Lease"), "kube-node-lease", { metadata: { name: NODE, namespace: "kube-node-lease" }, spec: { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: renewTime() } });
  const heartbeat = setInterval(() => {
    void r.replace(kind("coordination.k8s.io", "Lease"), "kube-node-lease", NODE, (l) => ({ ...l!, spec: { ...(l!.spec as object), renewTime: renewTime() } })).catch(() => {});
  }, 2000);
  cleanups.push(() => clearInterval(heartbeat));

  const labels = { app: "web" };
  const template = { metadata: { labels }, spec: { containers: [{ name: "web", image: "localhost/web:1" }] } };
  await r.create(kind("apps", "Deployment"), NS, { metadata: { name: "web" }, spec: { replicas: 2, selector: { matchLabels: labels }, template } });
  await r.create(kind("", "Service"), NS, { metadata: { name: "web" }, spec: { selector: labels, ports: [{ port: 80 }] } });
  // An HPA with the figures it last reported; its target is gone, so its controller keeps them (no agent measures pods here).
  const hpaKind = kind("autoscaling", "HorizontalPodAutoscaler");
  await r.create(hpaKind, NS, { metadata: { name: "web" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web-canary" }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] } });
  await r.replace(hpaKind, NS, "web", (h) => ({ ...h!, status: { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 80, averageValue: "80m" } } }] } }), {}, "status");
  await waitUntil(() => webPods().filter((p) => (p.spec as { nodeName?: string }).nodeName === NODE).length === 2, "the scheduler binds both pods to the node");
  await reportPods(true);
  await waitUntil(() => deploymentAvailable() === 2, "the Deployment reports 2 available replicas");

  // A pod no node can take: the scheduler keeps it pending.
  await r.create(kind("", "Pod"), NS, { metadata: { name: "picky" }, spec: { containers: [{ name: "c", image: "localhost/web:1" }], nodeSelector: { "no-such": "label" } } });
  const probed = webPods()[0]!;
  await r.create(kind("", "Event"), NS, {
    metadata: { name: `${probed.metadata.name}.1` },
    involvedObject: { kind: "Pod", namespace: NS, name: probed.metadata.name, uid: probed.metadata.uid, apiVersion: "v1" },
    reason: "Unhealthy",
    message: "Readiness probe failed: connection refused",
    type: "Warning",
    count: 1,
    source: { component: "kubelet", host: NODE },
    firstTimestamp: now(),
    lastTimestamp: now(),
  });
}

const deploymentAvailable = () => (server.registry.get(kind("apps", "Deployment"), NS, "web").status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0;

async function waitUntil(ok: () => boolean, what: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await Bun.sleep(50);
  }
}

/** As the node's agent would: the pods run, with their containers ready (or not). */
async function reportPods(ready: boolean) {
  let i = 10;
  for (const p of webPods()) {
    const ip = `10.42.0.${i++}`;
    await server.registry.replace(kind("", "Pod"), NS, p.metadata.name!, (cur) => ({
      ...cur!,
      status: {
        phase: "Running",
        podIP: ip,
        podIPs: [{ ip }],
        hostIP: "127.0.0.1",
        startTime: now(),
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: now() },
          { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now() },
          { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: now() },
        ],
        containerStatuses: [{ name: "web", ready, restartCount: 1, image: "localhost/web:1", imageID: "", started: ready, state: ready ? { running: { startedAt: now() } } : { waiting: { reason: "CrashLoopBackOff" } } }],
      },
    }), {}, "status");
  }
}

/** API traffic of every kind the dashboards show: lists, gets, a 404, a watch. */
async function apiTraffic() {
  for (let i = 0; i < 3; i++) {
    expect((await target.fetch(`/api/v1/namespaces/${NS}/pods`)).status).toBe(200);
    expect((await target.fetch(`/apis/apps/v1/namespaces/${NS}/deployments/web`)).status).toBe(200);
    expect((await target.fetch(`/api/v1/namespaces/${NS}/pods/missing`)).status).toBe(404);
  }
  const abort = new AbortController();
  const watch = await target.fetch(`/api/v1/namespaces/${NS}/pods?watch=1`, { signal: abort.signal });
  expect(watch.status).toBe(200);
  const reader = watch.body!.getReader();
  await reader.read();
  abort.abort();
  await reader.cancel().catch(() => {});
}

beforeAll(async () => {
  requireTool("prometheus");
  requireTool("promtool");
  server = await startTestServer({ runControllers: true });
  target = await metricsTarget();
  await seedCluster();
  await apiTraffic();

  // The agent's own registry, served on loopback as its /metrics would be. Until agents label
  // their series with the node, the scrape config gives each agent target its node label.
  agentMetrics = new AgentMetrics();
  agentMetrics.probe("readiness", false, 0.01);
  agentMetrics.observeRuntime([], 2);
  agentMetrics.lastContact.set(Date.now() / 1000);
  // Container usage, once the agent records the runtime's stats() (a proposed addition).
  const withStats = agentMetrics as unknown as { observeContainerStats?: (s: unknown[], c: unknown[], podOf: (uid: string) => unknown) => void };
  withStats.observeContainerStats?.(
    [{ id: "c1", cpuSeconds: 1.5, memoryWorkingSetBytes: 8 * 2 ** 20 }],
    [{ id: "c1", name: "web", podUid: "u1", sandboxId: "s1", state: "running", labels: {}, image: "localhost/web:1", imageID: "", attempt: 0 }],
    () => ({ metadata: { namespace: NS, name: webPods()[0]!.metadata.name } }),
  );
  // A claim a pod of the namespace mounts, as the agent reads it.
  agentMetrics.volumes.observe([{ namespace: NS, claim: "data", capacity: 10 * 2 ** 30, available: 6 * 2 ** 30, used: 2 ** 20 }]);
  agentServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async () => new Response(await agentMetrics.registry.metrics(), { headers: { "Content-Type": agentMetrics.registry.contentType } }) });

  prom = await startPrometheus([target.scrape, { job: "skiff-agent", address: `127.0.0.1:${agentServer.port}`, scheme: "http", labels: { node: NODE } }]);
  await prom.waitFor('up{job="skiff"} == 1', (r) => r.length === 1);
  await prom.waitFor('up{job="skiff-agent"} == 1', (r) => r.length === 1);
  // Enough samples for rate() and increase() over the dashboards' intervals.
  await prom.waitFor('count_over_time(skiff_availability_observed_seconds_total{kind="Deployment"}[1m])', (r) => r.length === 1 && Number(r[0]!.value![1]) >= 5);
});

afterAll(async () => {
  await prom?.stop();
  agentServer?.stop(true);
  for (const c of cleanups.reverse()) await c();
  await server?.cleanup();
});

describe("exposition", () => {
  test("promtool check metrics accepts the server's /metrics", async () => {
    const res = await target.fetch("/metrics");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('apiserver_request_total{verb="LIST",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="200"}');
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe("");
    expect(check.ok).toBe(true);
  });

  test("promtool check metrics accepts the agent's registry", async () => {
    const check = await promtoolCheckMetrics(await agentMetrics.registry.metrics());
    expect(check.output).toBe("");
    expect(check.ok).toBe(true);
  });

  test("/metrics needs a token unless anonymous access is configured", async () => {
    const res = await fetch(target.base + "/metrics", { tls: { ca: server.caPem } } as RequestInit);
    expect(res.status).toBe(401);
  });

  test("/readyz?verbose lists the control-loop checks", async () => {
    const res = await target.fetch("/readyz?verbose");
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(body).toContain("[+]controllers ok");
    expect(body).toContain("[+]scheduler ok");
  });
});

describe("dashboards against Prometheus", () => {
  const dashboards = loadDashboards(join(import.meta.dir, "../../dashboards"));
  const queries = dashboardQueries(dashboards).map((q) => ({ ...q, filled: fillVariables(q.expr, VARIABLES) }));
  let serverNames: Set<string>;
  let agentNames: Set<string>;

  beforeAll(async () => {
    const names = async (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap((m) => (m[2] === "histogram" ? [m[1]!, `${m[1]}_bucket`, `${m[1]}_sum`, `${m[1]}_count`] : [m[1]!])));
    serverNames = await names(await (await target.fetch("/metrics")).text());
    agentNames = await names(await agentMetrics.registry.metrics());
  });

  test("every variable query finds the seeded objects", async () => {
    for (const { dashboard } of dashboards) {
      for (const v of dashboard.templating.list.filter((x) => x.type === "query")) {
        const { selector, label } = parseLabelValues(variableQuery(v)!)!;
        const r = await prom.query(`group by (${label}) (${fillVariables(selector!, VARIABLES)})`);
        expect(r.map((s) => s.metric[label]), `$${v.name}`).toContain(VARIABLES[v.name as keyof typeof VARIABLES]);
      }
    }
  });

  test("every server-side panel expression returns at least one series", async () => {
    const empty: string[] = [];
    let checked = 0;
    for (const q of queries) {
      if (!metricNamesIn(q.expr).every((n) => serverNames.has(n))) continue;
      checked++;
      if ((await prom.query(q.filled)).length === 0) empty.push(`${q.file} / ${q.panel}: ${q.filled}`);
    }
    expect(empty).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  test("agent-side panel expressions return series for every metric the agent exposes", async () => {
    const empty: string[] = [];
    const waiting: string[] = [];
    for (const q of queries) {
      const names = metricNamesIn(q.expr);
      if (names.every((n) => serverNames.has(n))) continue;
      const missing = names.filter((n) => !serverNames.has(n) && !agentNames.has(n));
      if (missing.length) {
        // Only the proposed agent additions may be absent; anything else is a typo.
        expect(missing.filter((n) => !PROPOSED_AGENT_METRICS.includes(n)), q.panel).toEqual([]);
        waiting.push(`${q.file} / ${q.panel} (needs ${missing.join(", ")})`);
        continue;
      }
      if ((await prom.query(q.filled)).length === 0) empty.push(`${q.file} / ${q.panel}: ${q.filled}`);
    }
    if (waiting.length) console.log(`panels waiting on agent metrics:\n  ${waiting.join("\n  ")}`);
    expect(empty).toEqual([]);
  });
});

describe("panels over counters that have not counted yet", () => {
  const dashboards = loadDashboards(join(import.meta.dir, "../../dashboards"));
  const probePanels = dashboardQueries(dashboards).filter((q) => /probe failures/i.test(q.panel));
  const values = (r: { metric: Record<string, string>; value?: [number, string] }[]) => r.map((s) => Number(s.value?.[1]));

  test("probe failures read 0 for a namespace and for probe types where nothing failed", async () => {
    // One panel over the server's per-Deployment counter, one over the agents' prober counter.
    expect(probePanels.map((q) => q.file).sort()).toEqual(["nodes.json", "workloads.json"]);
    const healthy = { ...VARIABLES, namespace: "no-failures-here" };
    for (const q of probePanels) {
      const r = await prom.query(fillVariables(q.expr, healthy));
      expect(r.length, `${q.file} / ${q.panel}`).toBeGreaterThan(0);
      if (q.file === "workloads.json") expect(values(r)).toEqual([0]);
      else {
        // The agent failed one readiness probe; liveness and startup never failed and read 0.
        const byType = Object.fromEntries(r.map((s) => [s.metric.probe_type, Number(s.value?.[1])]));
        expect(byType.liveness).toBe(0);
        expect(byType.startup).toBe(0);
      }
    }
  });

  test("a namespace with failures shows them without an extra 0 series", async () => {
    const q = probePanels.find((p) => p.file === "workloads.json")!;
    const r = await prom.query(fillVariables(q.expr.replace("[$__rate_interval]", "[10m]"), VARIABLES));
    // (Counted before the first scrape, the increase itself reads 0: only the series matters here.)
    expect(r.map((s) => s.metric.probe_type)).toEqual(["readiness"]);
  });
});

describe("availability through Prometheus", () => {
  const sel = `kind="Deployment",namespace="${NS}",name="web"`;
  const down = `skiff_availability_observed_seconds_total{${sel}} - skiff_availability_up_seconds_total{${sel}}`;
  const value = (r: { value?: [number, string] }[]) => Number(r[0]?.value?.[1] ?? NaN);

  test("losing available replicas makes the ratio fall and downtime grow; restoring them recovers", async () => {
    const before = value(await prom.waitFor(`skiff_availability_ratio{${sel}}`, (r) => value(r) === 1));
    expect(before).toBe(1);
    expect(value(await prom.query(down))).toBe(0);

    // The pods' containers stop (as their agent reports): the controllers count them unavailable.
    await reportPods(false);
    await prom.waitFor(`skiff_availability_ratio{${sel}}`, (r) => value(r) < 1);
    const grown = value(await prom.waitFor(down, (r) => value(r) >= 3));
    await prom.waitFor(`rate(skiff_availability_up_seconds_total{${sel}}[3s])`, (r) => value(r) === 0);

    await reportPods(true);
    // Recovered: up time accrues as fast as observed time again, and downtime stops growing.
    await prom.waitFor(`rate(skiff_availability_up_seconds_total{${sel}}[3s]) / rate(skiff_availability_observed_seconds_total{${sel}}[3s])`, (r) => value(r) === 1);
    const settled = value(await prom.query(down));
    expect(settled).toBeGreaterThanOrEqual(grown);
    await Bun.sleep(3000);
    expect(value(await prom.query(down))).toBeLessThanOrEqual(settled + 1);
    const ratio = value(await prom.query(`skiff_availability_ratio{${sel}}`));
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
    // The ratio since creation climbs back as up time accrues.
    await prom.waitFor(`skiff_availability_ratio{${sel}}`, (r) => value(r) > ratio);
  });
});
