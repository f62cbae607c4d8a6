// The control-plane loops of the server: the scheduler and every controller of
// registry.ts, sharing one informer factory over the registry.
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import { InformerFactory } from "./runtime/informer.ts";
import { eventRecorder, type RecordEvent } from "./events.ts";
import { controlledKinds } from "./shared/kinds.ts";
import { controllerRegistrations, type ControllerContext } from "./registry.ts";
import { Scheduler, type BindPod, type SchedulerOptions } from "../scheduler/scheduler.ts";

export type ControlPlaneOptions = {
  /** false: only the controllers the API itself relies on (namespace deletion, LoadBalancer addresses), no scheduler. */
  all?: boolean;
  nodeMonitorGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  eventTtlMs?: number;
  /** Where local-path volumes are made on the nodes. */
  localStoragePath?: string;
  recordEvent?: RecordEvent;
  /** The binding write; pods/binding's bindPod unless a caller supplies one. */
  bind?: BindPod;
  /** Each scheduling attempt's outcome and latency (scheduler metrics). */
  onScheduleAttempt?: SchedulerOptions["onAttempt"];
  /** The HorizontalPodAutoscaler controller's metrics source and sync period. */
  hpa?: ControllerContext["hpa"];
  /** The cluster CA, published in every namespace as kube-root-ca.crt. */
  caPem?: string;
};

export type ControlPlaneLoops = {
  controllers: Controller[];
  /** Absent when only the API's own controllers run. */
  scheduler?: Scheduler;
  informers: InformerFactory;
  stop(): Promise<void>;
};

export function startControlPlaneLoops(registry: Registry, opts: ControlPlaneOptions = {}): ControlPlaneLoops {
  const kinds = controlledKinds(registry);
  const informers = new InformerFactory(registry);
  const recorders = new Map<string, ReturnType<typeof eventRecorder>>();
  const events = (component: string): RecordEvent => {
    if (opts.recordEvent) return opts.recordEvent;
    let r = recorders.get(component);
    if (!r) recorders.set(component, (r = eventRecorder(registry, kinds.event, component)));
    return r.record;
  };

  const all = opts.all ?? true;
  const ctx = { registry, informers, kinds, events, nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, podEvictionTimeoutMs: opts.podEvictionTimeoutMs, eventTtlMs: opts.eventTtlMs, hpa: opts.hpa, localStoragePath: opts.localStoragePath, caPem: opts.caPem };
  const controllers: Controller[] = [];
  for (const r of controllerRegistrations) {
    const c = all || r.always ? r.create(ctx) : undefined;
    if (c) controllers.push(c);
  }

  const bind: BindPod = opts.bind ?? (async (ns, name, node) => {
    // Loaded on first use: the HTTP side of pods/binding is not needed to start the loops.
    const { bindPod } = await import("../server/pod-subresources.ts");
    await bindPod(registry, ns, name, node);
  });
  const scheduler = all ? new Scheduler(registry, informers, { pod: kinds.pod, node: kinds.node }, { bind, recordEvent: events("default-scheduler"), onAttempt: opts.onScheduleAttempt }) : undefined;

  for (const c of controllers) c.start();
  scheduler?.start();
  return {
    controllers,
    scheduler,
    informers,
    async stop() {
      await scheduler?.stop();
      await Promise.all(controllers.map((c) => c.stop()));
      informers.stop();
      await Promise.all([...recorders.values()].map((r) => r.flush()));
    },
  };
}
