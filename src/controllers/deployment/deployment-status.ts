// Deployment status and conditions (Available, Progressing) with upstream's reasons.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import { maxUnavailable, replicasOf, type DeploymentSpec } from "./rollout-math.ts";

export type Condition = { type: string; status: "True" | "False" | "Unknown"; reason: string; message: string; lastUpdateTime?: string; lastTransitionTime?: string };

export type DeploymentStatus = {
  observedGeneration?: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  collisionCount?: number;
  conditions: Condition[];
};

type RSStatus = { replicas?: number; readyReplicas?: number; availableReplicas?: number };
const st = (rs: KubeObject) => (rs.status ?? {}) as RSStatus;

export const getCondition = (conds: Condition[], type: string) => conds.find((c) => c.type === type);

/** SetDeploymentCondition: an unchanged status and reason is kept as is; the same status keeps its transition time. */
export function setCondition(conds: Condition[], type: string, status: Condition["status"], reason: string, message: string, at = nowTimestamp()): Condition[] {
  const cur = getCondition(conds, type);
  if (cur && cur.status === status && cur.reason === reason) return conds;
  const next: Condition = { type, status, lastUpdateTime: at, lastTransitionTime: cur && cur.status === status ? cur.lastTransitionTime : at, reason, message };
  return [...conds.filter((c) => c.type !== type), next];
}

export function calculateStatus(d: KubeObject, all: KubeObject[], newRS: KubeObject | undefined): DeploymentStatus {
  const spec = d.spec as DeploymentSpec;
  const prior = (d.status ?? {}) as Partial<DeploymentStatus>;
  const replicas = all.reduce((n, rs) => n + (st(rs).replicas ?? 0), 0);
  const available = all.reduce((n, rs) => n + (st(rs).availableReplicas ?? 0), 0);
  let conditions = [...(prior.conditions ?? [])];
  if (available >= replicasOf(spec) - maxUnavailable(spec)) conditions = setCondition(conditions, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
  else conditions = setCondition(conditions, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: newRS ? (st(newRS).replicas ?? 0) : 0,
    readyReplicas: all.reduce((n, rs) => n + (st(rs).readyReplicas ?? 0), 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, replicas - available),
    conditions,
  };
  if (prior.collisionCount) status.collisionCount = prior.collisionCount;
  return status;
}

/** DeploymentComplete: every replica updated and available, nothing old left, spec observed. */
export function isComplete(d: KubeObject, s: DeploymentStatus): boolean {
  const want = replicasOf(d.spec as DeploymentSpec);
  return s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last time. */
export function isProgressing(d: KubeObject, s: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as Partial<DeploymentStatus>;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = s.replicas - s.updatedReplicas;
  return s.updatedReplicas > (old.updatedReplicas ?? 0) || newOld < oldOld || s.readyReplicas > (old.readyReplicas ?? 0) || s.availableReplicas > (old.availableReplicas ?? 0);
}

/** Milliseconds until the progress deadline passes (≤ 0: passed), or undefined when no deadline runs. */
export function deadlineIn(d: KubeObject, conds: Condition[], now: number): number | undefined {
  const deadline = (d.spec as DeploymentSpec).progressDeadlineSeconds;
  if (deadline === undefined || deadline >= 2147483647) return undefined;
  const c = getCondition(conds, "Progressing");
  if (!c || c.reason === "NewReplicaSetAvailable" || c.reason === "ProgressDeadlineExceeded" || c.status !== "True") return undefined;
  const from = Date.parse(c.lastUpdateTime ?? "");
  if (Number.isNaN(from)) return undefined;
  return from + deadline * 1000 - now;
}
