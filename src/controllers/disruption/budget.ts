// What a PodDisruptionBudget allows, computed as upstream's disruption controller does
// (pkg/controller/disruption): expected pods from the scale of the pods' controllers (or the
// pod count for an integer minAvailable), desired healthy from minAvailable/maxUnavailable,
// current healthy from Ready pods that are neither deleting nor just evicted.
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { labelSelectorMatcher } from "../../api/selectors/label-selector.ts";
import { isPodReady } from "../shared/pod-state.ts";
import { readPath } from "../../api/http/scale-paths.ts";

export type BudgetSpec = { minAvailable?: number | string; maxUnavailable?: number | string; selector?: { matchLabels?: Record<string, string>; matchExpressions?: any[] } | null; unhealthyPodEvictionPolicy?: string };
export type BudgetCondition = { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string };
export type BudgetStatus = {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: BudgetCondition[];
};

/** How long an eviction's entry in status.disruptedPods keeps its pod out of the healthy count (upstream's DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;
export const DISRUPTION_ALLOWED = "DisruptionAllowed";

/** The pods a budget covers: a missing selector covers none, an empty one every pod of the namespace. */
export function podsOfBudget(pods: KubeObject[], pdb: KubeObject): KubeObject[] {
  const selector = (pdb.spec as BudgetSpec | undefined)?.selector;
  if (!selector) return [];
  let matches: (labels: Record<string, string>) => boolean;
  try {
    matches = labelSelectorMatcher(selector as never);
  } catch {
    return [];
  }
  return pods.filter((p) => matches(p.metadata.labels ?? {}));
}

/** intstr.GetScaledValueFromIntOrPercent with roundUp. */
export function scaledValue(v: number | string, total: number): number {
  if (typeof v === "number") return v;
  const percent = Number(v.slice(0, -1));
  return Math.ceil((percent * total) / 100);
}

type OwnerRef = { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean };
const controllerOf = (o: KubeObject) => ((o.metadata.ownerReferences ?? []) as OwnerRef[]).find((r) => r.controller);

/**
 * The scale (spec.replicas by the kind's scale subresource) of a pod's controller, by its
 * owner reference: a ReplicaSet owned by a Deployment counts as the Deployment.
 */
function controllerScale(registry: Registry, namespace: string, ref: OwnerRef): { uid: string; scale: number } | undefined {
  const [group, version] = (ref.apiVersion ?? "").includes("/") ? ref.apiVersion!.split("/") : ["", ref.apiVersion ?? ""];
  const kind = registry.kinds.find((k) => k.group === group && k.version === version && k.kind === ref.kind && k.subresources?.scale);
  if (!kind) return undefined;
  const owner = registry.tryGet(kind, namespace, ref.name ?? "");
  if (!owner || owner.metadata.uid !== ref.uid) return undefined;
  if (kind.kind === "ReplicaSet") {
    const parent = controllerOf(owner);
    if (parent?.kind === "Deployment") {
      const up = controllerScale(registry, namespace, parent);
      if (up) return up;
    }
  }
  const replicas = readPath(owner, kind.subresources!.scale!.specReplicasPath);
  return { uid: ref.uid!, scale: typeof replicas === "number" ? replicas : 1 };
}

export class NoControllerError extends Error {}

/** Upstream's getExpectedScale: the sum of the scales of the pods' controllers. */
function expectedScale(registry: Registry, pods: KubeObject[]): number {
  const scales = new Map<string, number>();
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref || scales.has(ref.uid ?? "")) continue; // unmanaged pods are left out, as upstream logs and goes on
    const found = controllerScale(registry, pod.metadata.namespace ?? "", ref);
    if (!found) throw new NoControllerError(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.scale);
  }
  let total = 0;
  for (const s of scales.values()) total += s;
  return total;
}

/** Entries of status.disruptedPods still pending: pods that exist, are not deleting, and were evicted less than the timeout ago. */
function pendingDisruptions(pods: KubeObject[], pdb: KubeObject, now: number): { map: Record<string, string>; recheckMs?: number } {
  const recorded = (pdb.status as BudgetStatus | undefined)?.disruptedPods ?? {};
  const map: Record<string, string> = {};
  let recheckMs: number | undefined;
  for (const pod of pods) {
    const at = recorded[pod.metadata.name!];
    if (!at || pod.metadata.deletionTimestamp) continue;
    const expires = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
    if (!(expires > now)) continue;
    map[pod.metadata.name!] = at;
    recheckMs = Math.min(recheckMs ?? Infinity, expires - now);
  }
  return { map, recheckMs };
}

export type BudgetComputation = { status: BudgetStatus; recheckMs?: number };

/** SetStatusCondition: the transition time moves only when the status does. */
export function withAllowedCondition(status: BudgetStatus, previous: BudgetCondition[] | undefined, now: string, failure?: string): BudgetStatus {
  const allowed = !failure && status.disruptionsAllowed > 0;
  const next = {
    type: DISRUPTION_ALLOWED,
    status: allowed ? "True" : "False",
    reason: failure ? "SyncFailed" : allowed ? "SufficientPods" : "InsufficientPods",
    message: failure ?? "",
    observedGeneration: status.observedGeneration,
  };
  const old = (previous ?? []).find((c) => c.type === DISRUPTION_ALLOWED);
  const condition = { ...next, lastTransitionTime: old && old.status === next.status ? old.lastTransitionTime : now };
  return { ...status, conditions: [...(previous ?? []).filter((c) => c.type !== DISRUPTION_ALLOWED), condition] };
}

/** The budget's status from the pods of its namespace (upstream's trySync, or failSafe when a pod's controller cannot be found). */
export function computeBudget(registry: Registry, pdb: KubeObject, namespacePods: KubeObject[], now: number, nowText: string): BudgetComputation {
  const spec = (pdb.spec ?? {}) as BudgetSpec;
  const previous = pdb.status as BudgetStatus | undefined;
  const generation = pdb.metadata.generation ?? 1;
  const pods = podsOfBudget(namespacePods, pdb);
  let expected = 0;
  let desired = 0;
  try {
    if (spec.maxUnavailable != null) {
      expected = expectedScale(registry, pods);
      desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected));
    } else if (typeof spec.minAvailable === "number") {
      desired = spec.minAvailable;
      expected = pods.length;
    } else if (typeof spec.minAvailable === "string") {
      expected = expectedScale(registry, pods);
      desired = scaledValue(spec.minAvailable, expected);
    }
  } catch (e) {
    if (!(e instanceof NoControllerError)) throw e;
    const failed: BudgetStatus = {
      ...(previous?.disruptedPods ? { disruptedPods: previous.disruptedPods } : {}),
      disruptionsAllowed: 0,
      currentHealthy: previous?.currentHealthy ?? 0,
      desiredHealthy: previous?.desiredHealthy ?? 0,
      expectedPods: previous?.expectedPods ?? 0,
      observedGeneration: generation,
    };
    return { status: withAllowedCondition(failed, previous?.conditions, nowText, e.message) };
  }
  const disrupted = pendingDisruptions(pods, pdb, now);
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || disrupted.map[pod.metadata.name!]) continue;
    if (isPodReady(pod)) healthy++;
  }
  const allowed = expected <= 0 || healthy - desired <= 0 ? 0 : healthy - desired;
  const status: BudgetStatus = {
    observedGeneration: generation,
    ...(Object.keys(disrupted.map).length ? { disruptedPods: disrupted.map } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
  };
  return { status: withAllowedCondition(status, previous?.conditions, nowText), recheckMs: disrupted.recheckMs };
}
