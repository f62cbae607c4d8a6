// The control-plane loops of the server: scheduler, workload controllers, node lifecycle,
// garbage collection and endpoints, sharing one informer factory over the registry.
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import { InformerFactory } from "./runtime/informer.ts";
import { eventRecorder, type RecordEvent } from "./events.ts";
import { controlledKinds } from "./shared/kinds.ts";
import { replicaSetController } from "./replicaset/replicaset-controller.ts";
import { deploymentController } from "./deployment/deployment-controller.ts";
import { nodeLifecycleController } from "./node-lifecycle.ts";
import { garbageCollector } from "./garbage-collector.ts";
import { endpointsController } from "./endpoints.ts";
import { resourceQuotaController } from "./resource-quota.ts";
import { Scheduler, type BindPod, type SchedulerOptions } from "../scheduler/scheduler.ts";

export type ControlPlaneOptions = {
  nodeMonitorGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  recordEvent?: RecordEvent;
  /** The binding write; pods/binding's bindPod unless a caller supplies one. */
  bind?: BindPod;
  /** Each scheduling attempt's outcome and latency (scheduler metrics). */
  onScheduleAttempt?: SchedulerOptions["onAttempt"];
};

export type ControlPlaneLoops = {
  controllers: Controller[];
  scheduler: Scheduler;
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

  const controllers: Controller[] = [];
  if (kinds.replicaSet) controllers.push(replicaSetController(registry, informers, { pod: kinds.pod, replicaSet: kinds.replicaSet }, events("replicaset-controller")));
  if (kinds.replicaSet && kinds.deployment) controllers.push(deploymentController(registry, informers, { pod: kinds.pod, replicaSet: kinds.replicaSet, deployment: kinds.deployment }, events("deployment-controller")));

  controllers.push(nodeLifecycleController(registry, informers, { node: kinds.node, pod: kinds.pod, lease: kinds.lease }, events("node-controller"), { gracePeriodMs: opts.nodeMonitorGracePeriodMs, evictionTimeoutMs: opts.podEvictionTimeoutMs }));
  controllers.push(garbageCollector(registry, informers));
  if (kinds.service && (kinds.endpoints || kinds.endpointSlice)) controllers.push(endpointsController(registry, informers, { pod: kinds.pod, service: kinds.service, endpoints: kinds.endpoints, endpointSlice: kinds.endpointSlice }));
  const quotaKind = registry.kind("", "v1", "resourcequotas");
  if (quotaKind) controllers.push(resourceQuotaController(registry, informers, quotaKind));

  const bind: BindPod = opts.bind ?? (async (ns, name, node) => {
    // Loaded on first use: the HTTP side of pods/binding is not needed to start the loops.
    const { bindPod } = await import("../server/pod-subresources.ts");
    await bindPod(registry, ns, name, node);
  });
  const scheduler = new Scheduler(registry, informers, { pod: kinds.pod, node: kinds.node }, { bind, recordEvent: events("default-scheduler"), onAttempt: opts.onScheduleAttempt });

  for (const c of controllers) c.start();
  scheduler.start();
  return {
    controllers,
    scheduler,
    informers,
    async stop() {
      await scheduler.stop();
      await Promise.all(controllers.map((c) => c.stop()));
      informers.stop();
      await Promise.all([...recorders.values()].map((r) => r.flush()));
    },
  };
}
