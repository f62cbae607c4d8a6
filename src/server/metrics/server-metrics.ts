// The server's Prometheus metrics, in a registry of its own (the embedded agent has
// another): API requests and watches with upstream's names and labels, the store,
// the scheduler, controllers, stored objects, cluster state and availability.
import { Counter, Gauge, Histogram } from "prom-client";
import { collectProcessMetrics } from "../../metrics/process-metrics.ts";
import type { Hono } from "hono";
import type { KindDef } from "../../api/kinds/kind.ts";
import type { WatchMetrics } from "../../api/http/types.ts";
import type { Change } from "../../store/store.ts";
import { isLongRunning, requestLabels } from "./request-labels.ts";
import { resourceLabel, type ObjectSource } from "./object-source.ts";
import { ClusterIndex } from "./cluster-index.ts";
import { registerClusterFamilies } from "./cluster-families.ts";
import { registerHpaFamilies } from "./hpa-families.ts";
import { TextRegistry } from "./text-family.ts";
import { AvailabilityTracker } from "./availability.ts";
import { probeFailureCounter } from "./probe-failures.ts";
import { controllersHealthCheck, schedulerHealthCheck, type ControllerLike, type SchedulerLike } from "./health-checks.ts";

export type StoreLike = {
  revision: number;
  compactedRevision: number;
  compactions: number;
  sizes(): { db: number; wal: number };
  observeRequests?(observe: (operation: string, seconds: number) => void): void;
};

export type ServerMetricsDeps = {
  source: ObjectSource;
  store: StoreLike;
  /** registry.subscribe: feeds probe-failure counting from Events. */
  subscribe?: (listener: (c: Change) => void) => () => void;
  /** Read at scrape time, so controllers started later are included. */
  controllers?: () => Iterable<ControllerLike>;
  scheduler?: () => SchedulerLike | undefined;
  /** Leader elections this server takes part in, read at scrape time. */
  leaderElections?: () => Iterable<{ name: string; isLeader: boolean }>;
  /** --metrics-anonymous: /metrics without a token. */
  anonymous?: boolean;
  /** Milliseconds; injectable for tests. */
  now?: () => number;
};

export type SchedulingResult = "scheduled" | "unschedulable" | "error";

// Upstream's apiserver_request_duration_seconds buckets, trimmed to keep /metrics small.
const REQUEST_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.5, 2, 3, 5, 10, 30, 60];
const SHORT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const REQUEST_LABELS = ["verb", "group", "version", "resource", "subresource", "scope", "component"] as const;

export function createServerMetrics(deps: ServerMetricsDeps) {
  const registry = new TextRegistry();
  const registers = [registry];
  const now = deps.now ?? Date.now;
  collectProcessMetrics(registry);

  // --- API requests and watches -------------------------------------------------------
  const requests = new Counter({ name: "apiserver_request_total", help: "Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code.", labelNames: [...REQUEST_LABELS, "code"], registers });
  const requestDuration = new Histogram({ name: "apiserver_request_duration_seconds", help: "Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component (long-running requests excluded).", labelNames: REQUEST_LABELS, buckets: REQUEST_BUCKETS, registers });
  const watchers = new Gauge({ name: "apiserver_registered_watchers", help: "Number of currently registered watchers for a given resource.", labelNames: ["group", "version", "kind"], registers });
  const longRunning = new Gauge({ name: "apiserver_longrunning_requests", help: "Gauge of all active long-running apiserver requests broken out by verb, group, version, resource and component.", labelNames: ["verb", "group", "version", "resource", "component"], registers });
  const watchEvents = new Counter({ name: "apiserver_watch_events_total", help: "Number of events sent in watch clients.", labelNames: ["group", "version", "kind"], registers });

  // The HTTP layer reports a watch's open before its request completes; a LIST-looking
  // request of a resource with a pending open is that watch (the query is not passed on).
  const pendingWatches = new Map<string, number>();
  const watchKey = (group: string, resource: string) => `${group}/${resource}`;

  const watchMetrics: WatchMetrics = {
    opened(kind: KindDef) {
      watchers.inc({ group: kind.group, version: kind.version, kind: kind.kind });
      longRunning.inc({ verb: "WATCH", group: kind.group, version: kind.version, resource: kind.plural, component: "apiserver" });
      const k = watchKey(kind.group, kind.plural);
      pendingWatches.set(k, (pendingWatches.get(k) ?? 0) + 1);
    },
    closed(kind: KindDef) {
      watchers.dec({ group: kind.group, version: kind.version, kind: kind.kind });
      longRunning.dec({ verb: "WATCH", group: kind.group, version: kind.version, resource: kind.plural, component: "apiserver" });
    },
    sent(kind: KindDef) {
      watchEvents.inc({ group: kind.group, version: kind.version, kind: kind.kind });
    },
  };

  /** The HTTP app's onRequest hook: verb is the HTTP method, resource the path (url, when given, adds the query). */
  function onRequest(info: { verb: string; resource: string; code: number; seconds: number; url?: string }) {
    const query = info.url ? new URL(info.url, "http://x").searchParams : undefined;
    const labels = requestLabels(info.verb, info.resource, query);
    if (labels.verb === "LIST") {
      const k = watchKey(labels.group, labels.resource);
      const pending = pendingWatches.get(k) ?? 0;
      if (pending > 0) {
        labels.verb = "WATCH";
        if (pending === 1) pendingWatches.delete(k);
        else pendingWatches.set(k, pending - 1);
      }
    } else if (labels.verb === "WATCH") {
      const k = watchKey(labels.group, labels.resource);
      const pending = pendingWatches.get(k) ?? 0;
      if (pending > 1) pendingWatches.set(k, pending - 1);
      else pendingWatches.delete(k);
    }
    requests.inc({ ...labels, code: String(info.code) });
    if (!isLongRunning(labels.verb)) requestDuration.observe(labels, info.seconds);
  }

  // --- Store ----------------------------------------------------------------------------
  const store = deps.store;
  let compactionsSeen = 0;
  new Gauge({ name: "skiff_store_db_size_bytes", help: "Size of the store's database file.", registers, collect() { this.set(store.sizes().db); } });
  new Gauge({ name: "skiff_store_wal_size_bytes", help: "Size of the store's write-ahead log.", registers, collect() { this.set(store.sizes().wal); } });
  new Gauge({ name: "skiff_store_revision", help: "The store's last revision (the newest resourceVersion).", registers, collect() { this.set(store.revision); } });
  new Gauge({ name: "skiff_store_compacted_revision", help: "Revision at or below which the change log was compacted.", registers, collect() { this.set(store.compactedRevision); } });
  new Counter({
    name: "skiff_store_compactions_total", help: "Compaction runs of the store.", registers,
    collect() {
      const delta = store.compactions - compactionsSeen;
      compactionsSeen = store.compactions;
      this.inc(Math.max(0, delta));
    },
  });
  if (store.observeRequests) {
    const etcdRequests = new Histogram({ name: "etcd_request_duration_seconds", help: "Etcd request latency in seconds for each operation.", labelNames: ["operation"], buckets: SHORT_BUCKETS, registers });
    store.observeRequests((operation, seconds) => etcdRequests.observe({ operation }, seconds));
  }
  new Gauge({
    name: "apiserver_storage_objects", help: "Number of stored objects at the time of last check split by kind.", labelNames: ["resource"], registers,
    collect() {
      this.reset();
      for (const [key, count] of deps.source.counts()) this.set({ resource: resourceLabel(key) }, count);
    },
  });

  // --- Scheduler --------------------------------------------------------------------------
  const attempts = new Counter({ name: "scheduler_schedule_attempts_total", help: "Number of attempts to schedule pods, by the result.", labelNames: ["result", "profile"], registers });
  const attemptDuration = new Histogram({ name: "scheduler_scheduling_attempt_duration_seconds", help: "Scheduling attempt latency in seconds (scheduling algorithm + binding).", labelNames: ["result", "profile"], buckets: SHORT_BUCKETS, registers });
  for (const result of ["scheduled", "unschedulable", "error"]) attempts.inc({ result, profile: "default-scheduler" }, 0);
  new Gauge({
    name: "scheduler_pending_pods", help: "Number of pending pods waiting to be placed.", labelNames: ["queue"], registers,
    collect() {
      const s = deps.scheduler?.();
      if (s) this.set({ queue: "active" }, s.pending);
    },
  });
  const scheduler = {
    /** Called by the scheduler once per pod it tried to place. */
    attempt(result: SchedulingResult, seconds: number) {
      attempts.inc({ result, profile: "default-scheduler" });
      attemptDuration.observe({ result, profile: "default-scheduler" }, seconds);
    },
  };

  // --- Controllers ------------------------------------------------------------------------
  const reconciles = new Counter({ name: "controller_runtime_reconcile_total", help: "Total number of reconciliations per controller.", labelNames: ["controller", "result"], registers });
  const reconcileTime = new Histogram({ name: "controller_runtime_reconcile_time_seconds", help: "Length of time per reconciliation per controller.", labelNames: ["controller"], buckets: SHORT_BUCKETS, registers });
  new Gauge({
    name: "workqueue_depth", help: "Current depth of workqueue.", labelNames: ["name"], registers,
    collect() {
      for (const c of deps.controllers?.() ?? []) this.set({ name: c.opts.name }, c.queue.depth);
    },
  });
  new Gauge({
    name: "leader_election_master_status", help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.", labelNames: ["name"], registers,
    collect() {
      for (const e of deps.leaderElections?.() ?? []) this.set({ name: e.name }, e.isLeader ? 1 : 0);
    },
  });
  const lastReconciled = new Map<string, number>();
  /** The controllers' onReconciled option. */
  function onReconciled(name: string, seconds: number, ok: boolean) {
    reconciles.inc({ controller: name, result: ok ? "success" : "error" });
    reconcileTime.observe({ controller: name }, seconds);
    lastReconciled.set(name, now());
  }

  // --- Cluster state (kept up to date from the store's changes) --------------------------
  const index = new ClusterIndex(deps.source);
  let rebuiltAt = now();
  // Without a change feed (tests over fixed objects), rebuilt at most twice a second.
  const currentIndex = () => {
    if (!deps.subscribe && now() - rebuiltAt > 500) {
      index.rebuild();
      rebuiltAt = now();
    }
    return index.current();
  };
  registerClusterFamilies(currentIndex, deps.source, registers);
  registerHpaFamilies(deps.source, registers);
  let rebuildTimer: Timer | undefined;

  // --- Probe failures and availability ---------------------------------------------------
  const probes = probeFailureCounter(deps.source, registers);
  const unsubscribe = deps.subscribe?.((c) => {
    probes.onChange(c);
    index.apply(c);
  });
  const availability = new AvailabilityTracker({ source: deps.source, registers, now, store: deps.source.availabilityStore });

  const health = {
    controllers: controllersHealthCheck(() => deps.controllers?.() ?? [], lastReconciled, now),
    scheduler: schedulerHealthCheck(() => deps.scheduler?.(), now),
  };

  return {
    registry,
    /** Paths to add to the app's anonymousPaths (--metrics-anonymous). */
    anonymousPaths: deps.anonymous ? ["/metrics"] : [],
    /** Mounts GET /metrics; the app's middleware has already authenticated the caller (any user). */
    routes(app: Hono<any>) {
      app.get("/metrics", async () => new Response(await registry.metrics(), { headers: { "Content-Type": registry.contentType } }));
    },
    onRequest,
    watchMetrics,
    onReconciled,
    scheduler,
    availability,
    health,
    /** Starts the 1 s availability tick. */
    start(tickMs = 1000) {
      availability.start(tickMs);
      // A guard against drift from the change feed; cheap at this interval.
      rebuildTimer = setInterval(() => index.refresh(), 300_000);
    },
    /** The last availability save is under way when this returns; it resolves once written. */
    stop(): Promise<void> {
      const saved = availability.stop();
      clearInterval(rebuildTimer);
      unsubscribe?.();
      return saved;
    },
  };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;
