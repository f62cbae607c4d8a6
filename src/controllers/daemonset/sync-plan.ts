// One DaemonSet sync as a plan, as upstream's manage + rollingUpdate: which nodes need a
// pod, which pods go. Pure: the controller feeds it nodes and pods and carries it out.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { isPodAvailable, isPodReady, podPhase } from "../shared/pod-state.ts";
import { scaledValue } from "../deployment/rollout-math.ts";
import { REVISION_HASH_LABEL, type DaemonSetSpec } from "./daemon-pods.ts";

export type NodeState = { name: string; shouldRun: boolean; shouldContinueRunning: boolean; pods: KubeObject[] };
export type SyncPlan = { createOn: string[]; remove: KubeObject[] };

const created = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? "") || 0;
/** Oldest first; on a tie, the one further along (upstream's podByCreationTimestampAndPhase). */
function oldestFirst(pods: KubeObject[]): KubeObject[] {
  return [...pods].sort((a, b) => created(a) - created(b) || Number(podPhase(b) === "Running") - Number(podPhase(a) === "Running") || (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

const isNew = (p: KubeObject, hash: string) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash;

/** maxSurge and maxUnavailable against the number of nodes that should run the pod (both round up). */
export function updateBudget(spec: DaemonSetSpec, desired: number): { maxSurge: number; maxUnavailable: number } {
  const ru = spec.updateStrategy?.rollingUpdate ?? {};
  const maxSurge = scaledValue(ru.maxSurge ?? 0, desired, true);
  let maxUnavailable = scaledValue(ru.maxUnavailable ?? 1, desired, true);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** podsShouldBeOnNode for every node: create where missing, delete failed, surplus and misplaced pods. */
function manage(nodes: NodeState[], hash: string, allowSurge: boolean, plan: SyncPlan) {
  for (const n of nodes) {
    const live = n.pods.filter((p) => !p.metadata.deletionTimestamp);
    if (n.shouldRun && n.pods.length === 0) {
      plan.createOn.push(n.name);
      continue;
    }
    if (!n.shouldContinueRunning) {
      plan.remove.push(...live);
      continue;
    }
    const running: KubeObject[] = [];
    for (const p of live) (podPhase(p) === "Failed" ? plan.remove : running).push(p);
    if (!allowSurge) {
      if (running.length === 0 && n.shouldRun && live.length === n.pods.length) plan.createOn.push(n.name);
      plan.remove.push(...oldestFirst(running).slice(1));
      continue;
    }
    if (running.length <= 1) {
      if (running.length === 0 && n.shouldRun && live.length === n.pods.length) plan.createOn.push(n.name);
      continue;
    }
    // With surge, two pods stay only while the new one is not ready and the old one is.
    let oldestNew: KubeObject | undefined;
    let oldestOld: KubeObject | undefined;
    for (const p of oldestFirst(running)) {
      if (isNew(p, hash) ? !oldestNew && (oldestNew = p) : !oldestOld && (oldestOld = p)) continue;
      plan.remove.push(p);
    }
    if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodReady(oldestNew))) plan.remove.push(oldestOld);
  }
}

/** The node's one new and one old pod, or !ok when it has more than that (manage sorts it out). */
function updatedPodsOnNode(pods: KubeObject[], hash: string): { ok: boolean; newPod?: KubeObject; oldPod?: KubeObject } {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isNew(p, hash)) {
      if (newPod) return { ok: false };
      newPod = p;
    } else {
      if (oldPod) return { ok: false };
      oldPod = p;
    }
  }
  return { ok: true, newPod, oldPod };
}

/** rollingUpdate: replace old pods within maxUnavailable, or surge new ones within maxSurge. */
function rollingUpdate(spec: DaemonSetSpec, nodes: NodeState[], hash: string, now: number, plan: SyncPlan) {
  const minReady = spec.minReadySeconds ?? 0;
  const available = (p: KubeObject) => isPodAvailable(p, minReady, now);
  const eligible = nodes.filter((n) => n.shouldRun || n.pods.length > 0);
  const desired = nodes.filter((n) => n.shouldRun).length;
  const { maxSurge, maxUnavailable } = updateBudget(spec, desired);
  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const n of eligible) {
      const { ok, newPod, oldPod } = updatedPodsOnNode(n.pods, hash);
      if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) replace.push(oldPod!);
      else if (unavailable < maxUnavailable) candidates.push(oldPod!);
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    plan.remove.push(...replace, ...candidates.slice(0, room));
    return;
  }
  let surging = 0;
  for (const n of eligible) {
    const { ok, newPod, oldPod } = updatedPodsOnNode(n.pods, hash);
    if (!ok) {
      surging++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) plan.createOn.push(n.name);
      else if (surging < maxSurge) {
        surging++;
        plan.createOn.push(n.name);
      }
    } else if (!available(newPod)) surging++;
    else plan.remove.push(oldPod);
  }
}

export function planSync(spec: DaemonSetSpec, nodes: NodeState[], hash: string, now: number): SyncPlan {
  const plan: SyncPlan = { createOn: [], remove: [] };
  const rolling = (spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
  const desired = nodes.filter((n) => n.shouldRun).length;
  const allowSurge = rolling && updateBudget(spec, desired).maxSurge > 0;
  manage(nodes, hash, allowSurge, plan);
  if (rolling) rollingUpdate(spec, nodes, hash, now, plan);
  const seen = new Set<string>();
  plan.remove = plan.remove.filter((p) => !seen.has(p.metadata.uid!) && !!seen.add(p.metadata.uid!));
  plan.createOn = [...new Set(plan.createOn)];
  return plan;
}
