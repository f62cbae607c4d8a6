// The control-plane loops of the server: the scheduler and every controller of
// registry.ts, sharing one informer factory over the registry; on a store shared by several
// servers, only while this server leads (startLeaderElectedLoops).
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import { InformerFactory } from "./runtime/informer.ts";
import { eventRecorder, type RecordEvent } from "./events.ts";
import { controlledKinds } from "./shared/kinds.ts";
import { controllerRegistrations, type ControllerContext } from "./registry.ts";
import { Scheduler, type BindPod, type SchedulerOptions } from "../scheduler/scheduler.ts";
import { LeaderElector, type LeaderElectionOptions } from "../server/leader-election.ts";

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

export type LeaderElectedLoops = {
  /** The running loops' controllers (none while another server leads). */
  readonly controllers: Controller[];
  readonly scheduler: Scheduler | undefined;
  readonly elector: LeaderElector;
  stop(): Promise<void>;
};

/**
 * The loops of a server that shares its store with others: they run only while this server
 * holds the election's Lease, and stop the moment it loses it. `onStarted` hears each start.
 */
export function startLeaderElectedLoops(
  registry: Registry,
  opts: ControlPlaneOptions,
  election: Omit<LeaderElectionOptions, "registry" | "onStartedLeading" | "onStoppedLeading">,
  onStarted?: (loops: ControlPlaneLoops) => void,
): LeaderElectedLoops {
  let loops: ControlPlaneLoops | undefined;
  let stopping: Promise<void> = Promise.resolve();
  const elector = new LeaderElector({
    ...election,
    registry,
    onStartedLeading: () => {
      // A previous term's loops finish stopping first: two sets never run side by side.
      stopping = stopping.then(() => {
        if (!elector.isLeader) return;
        loops = startControlPlaneLoops(registry, opts);
        onStarted?.(loops);
      });
    },
    onStoppedLeading: () => {
      const ending = loops;
      loops = undefined;
      stopping = stopping.then(() => ending?.stop());
    },
  });
  elector.start();
  return {
    get controllers() {
      return loops?.controllers ?? [];
    },
    get scheduler() {
      return loops?.scheduler;
    },
    elector,
    async stop() {
      await elector.stop();
      const ending = loops;
      loops = undefined;
      await stopping;
      await ending?.stop();
    },
  };
}
