// autoscaling/v1 ⇄ v2 HorizontalPodAutoscaler, as upstream's conversion does: v1 holds only
// a cpu utilization target and figure; everything else travels in the annotations
// upstream uses (autoscaling.alpha.kubernetes.io/metrics, current-metrics, conditions,
// behavior), so an object read and written back through v1 loses nothing.
import type { KubeObject } from "./kind.ts";

const A = "autoscaling.alpha.kubernetes.io/";
const METRICS = `${A}metrics`;
const CURRENT = `${A}current-metrics`;
const CONDITIONS = `${A}conditions`;
const BEHAVIOR = `${A}behavior`;

type Any = Record<string, any>;
const isCpuUtilization = (m: Any) => m?.type === "Resource" && m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization";

/** v2 MetricSpec → upstream's v1 form (targetAverageUtilization / targetAverageValue). */
function metricToV1(m: Any): Any {
  const src = m.type === "Resource" ? m.resource : m.type === "ContainerResource" ? m.containerResource : undefined;
  if (!src) return m;
  const t = src.target ?? {};
  const v1 = { name: src.name, ...(src.container ? { container: src.container } : {}), ...(t.averageUtilization !== undefined ? { targetAverageUtilization: t.averageUtilization } : {}), ...(t.averageValue !== undefined ? { targetAverageValue: t.averageValue } : {}) };
  return m.type === "Resource" ? { type: m.type, resource: v1 } : { type: m.type, containerResource: v1 };
}

function metricFromV1(m: Any): Any {
  const src = m.type === "Resource" ? m.resource : m.type === "ContainerResource" ? m.containerResource : undefined;
  if (!src || src.target) return m;
  const target = src.targetAverageUtilization !== undefined ? { type: "Utilization", averageUtilization: src.targetAverageUtilization } : { type: "AverageValue", averageValue: src.targetAverageValue };
  const v2 = { name: src.name, ...(src.container ? { container: src.container } : {}), target };
  return m.type === "Resource" ? { type: m.type, resource: v2 } : { type: m.type, containerResource: v2 };
}

function currentToV1(m: Any): Any {
  const src = m.type === "Resource" ? m.resource : m.type === "ContainerResource" ? m.containerResource : undefined;
  if (!src) return m;
  const c = src.current ?? {};
  const v1 = { name: src.name, ...(src.container ? { container: src.container } : {}), ...(c.averageUtilization !== undefined ? { currentAverageUtilization: c.averageUtilization } : {}), currentAverageValue: c.averageValue ?? "0" };
  return m.type === "Resource" ? { type: m.type, resource: v1 } : { type: m.type, containerResource: v1 };
}

function currentFromV1(m: Any): Any {
  const src = m.type === "Resource" ? m.resource : m.type === "ContainerResource" ? m.containerResource : undefined;
  if (!src || src.current) return m;
  const current = { ...(src.currentAverageUtilization !== undefined ? { averageUtilization: src.currentAverageUtilization } : {}), averageValue: src.currentAverageValue };
  const v2 = { name: src.name, ...(src.container ? { container: src.container } : {}), current };
  return m.type === "Resource" ? { type: m.type, resource: v2 } : { type: m.type, containerResource: v2 };
}

function parseAnnotation(annotations: Any, key: string): any {
  const text = annotations[key];
  delete annotations[key];
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function hpaToV1(obj: KubeObject): KubeObject {
  const spec: Any = obj.spec ?? {};
  const status: Any | undefined = obj.status as Any | undefined;
  const annotations: Any = { ...(obj.metadata.annotations ?? {}) };
  const metrics: Any[] = spec.metrics ?? [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS] = JSON.stringify(others.map(metricToV1));
  if (spec.behavior) annotations[BEHAVIOR] = JSON.stringify(spec.behavior);
  const current: Any[] = status?.currentMetrics ?? [];
  const cpuNow = current.find((m) => m?.type === "Resource" && m.resource?.name === "cpu" && m.resource?.current?.averageUtilization !== undefined);
  const otherNow = current.filter((m) => m !== cpuNow);
  if (otherNow.length) annotations[CURRENT] = JSON.stringify(otherNow.map(currentToV1));
  if (status?.conditions?.length) annotations[CONDITIONS] = JSON.stringify(status.conditions);
  const out: KubeObject = {
    ...obj,
    apiVersion: "autoscaling/v1",
    metadata: { ...obj.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization } : {}),
    },
  };
  if (status) {
    out.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(cpuNow ? { currentCPUUtilizationPercentage: cpuNow.resource.current.averageUtilization } : {}),
    };
  }
  return out;
}

export function hpaFromV1(obj: KubeObject): KubeObject {
  const spec: Any = (obj.spec as Any) ?? {};
  const status: Any | undefined = obj.status as Any | undefined;
  const annotations: Any = { ...(obj.metadata?.annotations ?? {}) };
  const otherMetrics: Any[] = (parseAnnotation(annotations, METRICS) ?? []).map(metricFromV1);
  const behavior = parseAnnotation(annotations, BEHAVIOR);
  const otherCurrent: Any[] = (parseAnnotation(annotations, CURRENT) ?? []).map(currentFromV1);
  const conditions = parseAnnotation(annotations, CONDITIONS);
  const cpu = spec.targetCPUUtilizationPercentage !== undefined ? [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.targetCPUUtilizationPercentage } } }] : [];
  const metrics = [...cpu, ...otherMetrics];
  const { annotations: _dropped, ...meta } = obj.metadata ?? {};
  const out: KubeObject = {
    ...obj,
    apiVersion: "autoscaling/v2",
    metadata: { ...meta, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      scaleTargetRef: spec.scaleTargetRef,
      ...(spec.minReplicas !== undefined ? { minReplicas: spec.minReplicas } : {}),
      maxReplicas: spec.maxReplicas,
      ...(metrics.length ? { metrics } : {}),
      ...(behavior ? { behavior } : {}),
    },
  };
  if (status) {
    const cpuNow = status.currentCPUUtilizationPercentage !== undefined ? [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: status.currentCPUUtilizationPercentage } } }] : [];
    out.status = {
      ...(status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(cpuNow.length || otherCurrent.length ? { currentMetrics: [...cpuNow, ...otherCurrent] } : {}),
      ...(conditions ? { conditions } : {}),
    };
  }
  return out;
}
