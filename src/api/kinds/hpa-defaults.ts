// autoscaling/v2 defaults (SetDefaults_HorizontalPodAutoscaler): minReplicas 1, a cpu
// target of 80 % when no metric is given, and when `behavior` is present its missing
// rules filled in (scale-up: max(4 pods, 100 %) per 15 s, no window; scale-down: 100 %
// per 15 s, its window left unset so the controller applies its own 300 s).
export type ScalingPolicy = { type: "Pods" | "Percent"; value: number; periodSeconds: number };
export type ScalingRules = { stabilizationWindowSeconds?: number; selectPolicy?: "Max" | "Min" | "Disabled"; policies?: ScalingPolicy[] };
export type Behavior = { scaleUp?: ScalingRules; scaleDown?: ScalingRules };

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

export function defaultScaleUp(r: ScalingRules | undefined): ScalingRules {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies?.length ? r.policies : [{ type: "Pods", value: 4, periodSeconds: 15 }, { type: "Percent", value: 100, periodSeconds: 15 }],
  };
}

export function defaultScaleDown(r: ScalingRules | undefined): ScalingRules {
  return {
    ...(r?.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: r.stabilizationWindowSeconds } : {}),
    selectPolicy: r?.selectPolicy ?? "Max",
    policies: r?.policies?.length ? r.policies : [{ type: "Percent", value: 100, periodSeconds: 15 }],
  };
}

export function defaultHorizontalPodAutoscaler(hpa: any) {
  const spec = hpa?.spec;
  if (!isObject(spec)) return;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }];
  if (isObject(spec.behavior)) {
    if (spec.behavior.scaleUp === undefined || isObject(spec.behavior.scaleUp)) spec.behavior.scaleUp = defaultScaleUp(spec.behavior.scaleUp);
    if (spec.behavior.scaleDown === undefined || isObject(spec.behavior.scaleDown)) spec.behavior.scaleDown = defaultScaleDown(spec.behavior.scaleDown);
  }
}
