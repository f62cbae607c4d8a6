// The HorizontalPodAutoscaler controller, as upstream's (pkg/controller/podautoscaler):
// every sync period each HPA reads its target through the scale subresource, computes a
// proposal from the pods' resource metrics, bounds and stabilizes it, writes the new
// replica count to the target's scale and reports status, conditions and events.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import { scaleOf, writePath } from "../../api/http/scale-paths.ts";
import { labelMatcher } from "../../api/selectors/index.ts";
import type { PodUsage } from "../../server/metrics/resource-stats.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { setCondition, type HpaCondition } from "./conditions.ts";
import { replicasForMetrics } from "./metric-replicas.ts";
import { newHistory, normalizeWithBehavior, normalizeWithoutBehavior, recordScale, type History } from "./scaling-rules.ts";

/** Upstream's --horizontal-pod-autoscaler-sync-period. */
export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;

export type HpaControllerOptions = {
  /** The pods' usage, as metrics.k8s.io serves it. */
  podUsage: () => readonly PodUsage[];
  syncPeriodMs?: number;
  tolerance?: number;
  /** Called after each scale write (benchmarks measure reaction time with it). */
  onRescale?: (hpa: KubeObject, from: number, to: number) => void;
};

type Any = Record<string, any>;

export function hpaController(registry: Registry, informers: InformerFactory, kinds: { hpa: KindDef; pod: KindDef }, recordEvent: RecordEvent, opts: HpaControllerOptions): Controller {
  const hpas = informers.for(kinds.hpa);
  const pods = informers.for(kinds.pod);
  const histories = new Map<string, History>();
  const syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;

  async function reconcile(key: string) {
    const { namespace, name } = splitKey(key);
    const hpa = hpas.get(namespace, name);
    if (!hpa) {
      histories.delete(key);
      return;
    }
    let history = histories.get(key);
    if (!history) histories.set(key, (history = newHistory()));
    const now = Date.now();
    const stamp = nowTimestamp();
    const spec = (hpa.spec ?? {}) as Any;
    const old = (hpa.status ?? {}) as Any;
    const conditions: HpaCondition[] = structuredClone(old.conditions ?? []);
    const status = (currentReplicas: number, desiredReplicas: number, currentMetrics: Any[] | undefined, rescaled: boolean) => ({
      ...(hpa.metadata.generation !== undefined ? { observedGeneration: hpa.metadata.generation } : {}),
      ...(rescaled ? { lastScaleTime: stamp } : old.lastScaleTime ? { lastScaleTime: old.lastScaleTime } : {}),
      currentReplicas,
      desiredReplicas,
      ...(currentMetrics?.length ? { currentMetrics } : {}),
      ...(conditions.length ? { conditions } : {}),
    });
    const write = (s: object) => writeStatusIfChanged(registry, kinds.hpa, hpas.get(namespace, name), hpa, s);

    // The target, through its scale subresource.
    const ref = (spec.scaleTargetRef ?? {}) as { apiVersion?: string; kind?: string; name?: string };
    const targetKind = registry.kinds.find((k) => k.kind === ref.kind && (!ref.apiVersion || `${k.group ? `${k.group}/` : ""}${k.version}` === ref.apiVersion));
    let target: KubeObject | undefined;
    let scaleError: string | undefined;
    if (!targetKind?.subresources?.scale) {
      const group = ref.apiVersion?.includes("/") ? ref.apiVersion.split("/")[0] : "";
      scaleError = `unable to determine resource for scale target reference: no matches for kind "${ref.kind}" in group "${group}"`;
    } else {
      target = registry.tryGet(targetKind, namespace, ref.name ?? "");
      if (!target) scaleError = `${targetKind.plural}${targetKind.group ? `.${targetKind.group}` : ""} "${ref.name}" not found`;
    }
    if (!target || !targetKind?.subresources?.scale) {
      recordEvent(hpa, "Warning", "FailedGetScale", scaleError!);
      setCondition(conditions, "AbleToScale", "False", "FailedGetScale", `the HPA controller was unable to get the target's current scale: ${scaleError}`, stamp);
      await write(status(old.currentReplicas ?? 0, old.desiredReplicas ?? 0, old.currentMetrics, false));
      return;
    }
    const scaleSpec = targetKind.subresources.scale;
    const scale = scaleOf(scaleSpec, target);
    const currentReplicas = scale.spec.replicas;
    setCondition(conditions, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale", stamp);

    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas ?? minReplicas;
    let desired = 0;
    let reason = "";
    let currentMetrics: Any[] | undefined = old.currentMetrics;
    if (currentReplicas === 0 && minReplicas !== 0) {
      // Scaled to zero by hand: autoscaling stays off until someone scales it up.
      setCondition(conditions, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", stamp);
      desired = 0;
    } else if (currentReplicas > maxReplicas) {
      reason = "Current number of replicas above Spec.MaxReplicas";
      desired = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      reason = "Current number of replicas below Spec.MinReplicas";
      desired = minReplicas;
    } else {
      const matches = labelMatcher(scale.status.selector);
      const selected = scale.status.selector ? pods.list(namespace).filter((p) => matches(p.metadata.labels ?? {})) : [];
      const outcome = replicasForMetrics(spec.metrics ?? [], { namespace, pods: selected, usage: opts.podUsage(), currentReplicas, now, tolerance: opts.tolerance });
      currentMetrics = outcome.statuses;
      setCondition(conditions, "ScalingActive", outcome.condition.status, outcome.condition.reason, outcome.condition.message, stamp);
      if (!outcome.ok) {
        recordEvent(hpa, "Warning", outcome.condition.reason, outcome.condition.message);
        recordEvent(hpa, "Warning", "FailedComputeMetricsReplicas", outcome.error);
        await write(status(currentReplicas, old.desiredReplicas ?? 0, currentMetrics, false));
        return;
      }
      desired = outcome.replicas;
      if (desired > currentReplicas) reason = `${outcome.metricName} above target`;
      else if (desired < currentReplicas) reason = "All metrics below target";
      const n = spec.behavior ? normalizeWithBehavior(history, spec.behavior, currentReplicas, desired, minReplicas, maxReplicas, now) : normalizeWithoutBehavior(history, currentReplicas, desired, minReplicas, maxReplicas, now);
      desired = n.replicas;
      setCondition(conditions, "AbleToScale", n.ableToScale.status, n.ableToScale.reason, n.ableToScale.message, stamp);
      setCondition(conditions, "ScalingLimited", n.scalingLimited.status, n.scalingLimited.reason, n.scalingLimited.message, stamp);
    }

    const rescale = desired !== currentReplicas && !(currentReplicas === 0 && minReplicas !== 0);
    if (rescale) {
      try {
        await registry.replace(targetKind, namespace, ref.name!, (cur) => {
          if (!cur || cur.metadata.uid !== target!.metadata.uid) throw Object.assign(new Error(`${targetKind.plural} "${ref.name}" changed`), { code: 409 });
          writePath(cur as Record<string, unknown>, scaleSpec.specReplicasPath, desired);
          return cur;
        });
      } catch (e) {
        const msg = (e as Error).message;
        recordEvent(hpa, "Warning", "FailedRescale", `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        setCondition(conditions, "AbleToScale", "False", "FailedUpdateScale", `the HPA controller was unable to update the target scale: ${msg}`, stamp);
        await write(status(currentReplicas, desired, currentMetrics, false));
        throw e;
      }
      setCondition(conditions, "AbleToScale", "True", "SucceededRescale", `the HPA controller was able to update the target scale to ${desired}`, stamp);
      recordEvent(hpa, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${reason}`);
      recordScale(history, spec.behavior, currentReplicas, desired, now);
      opts.onRescale?.(hpa, currentReplicas, desired);
    }
    await write(status(currentReplicas, desired, currentMetrics, rescale));
  }

  const controller = new Controller({
    name: "horizontal-pod-autoscaler",
    workers: 1,
    resyncMs: syncPeriodMs,
    allKeys: () => hpas.list().map(objectKey),
    reconcile,
  });
  // A new HPA or a changed spec is looked at now; status writes (its own) wait for the next period.
  hpas.onChange((h, prev) => {
    if (!h) return void histories.delete(objectKey(prev!));
    if (!prev || h.metadata.generation !== prev.metadata.generation) controller.enqueue(objectKey(h));
  });
  return controller;
}
