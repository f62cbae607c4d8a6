// A summary of the stored cluster state for one scrape: nodes by condition, pods per node
// and phase, Deployments' replicas and restarts, node heartbeats. Aggregated on the server
// so series stay bounded (per node and per Deployment, never per pod).
import type { KubeObject } from "../../api/kinds/kind.ts";
import { parseQuantity } from "../../scheduler/quantity.ts";
import { RESOURCES, type ObjectSource } from "./object-source.ts";

type Condition = { type: string; status: string; lastHeartbeatTime?: string };

export type NodeSummary = { conditions: Condition[]; pods: number; restarts: number; lastHeartbeatSeconds?: number; capacity: Record<string, number> };
export type DeploymentSummary = { namespace: string; name: string; desired: number; available: number; ready: number; restarts: number };

export type ClusterState = {
  nodes: Map<string, NodeSummary>;
  /** "namespace\0phase" → pod count. */
  podsByPhase: Map<string, number>;
  deployments: Map<string, DeploymentSummary>;
};

const TERMINAL = new Set(["Succeeded", "Failed"]);

export function summarize(source: ObjectSource): ClusterState {
  const nodes = new Map<string, NodeSummary>();
  for (const n of source.list(RESOURCES.nodes)) {
    const conditions = ((n.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).filter((c) => c.type && c.status);
    const heartbeats = conditions.map((c) => (c.lastHeartbeatTime ? Date.parse(c.lastHeartbeatTime) : NaN)).filter((t) => !Number.isNaN(t));
    const capacity: Record<string, number> = {};
    for (const [resource, q] of Object.entries((n.status as { capacity?: Record<string, string> } | undefined)?.capacity ?? {})) {
      const v = parseQuantity(q);
      if (Number.isFinite(v)) capacity[resource] = v;
    }
    nodes.set(n.metadata.name!, { conditions, pods: 0, restarts: 0, lastHeartbeatSeconds: heartbeats.length ? Math.max(...heartbeats) / 1000 : undefined, capacity });
  }
  // The node's Lease is its frequent heartbeat; the Ready condition's is rarer.
  for (const lease of source.list(RESOURCES.leases)) {
    if (lease.metadata.namespace !== "kube-node-lease") continue;
    const summary = nodes.get(lease.metadata.name!);
    const renew = Date.parse((lease.spec as { renewTime?: string } | undefined)?.renewTime ?? "");
    if (summary && !Number.isNaN(renew)) summary.lastHeartbeatSeconds = Math.max(summary.lastHeartbeatSeconds ?? 0, renew / 1000);
  }

  const deployments = new Map<string, DeploymentSummary>();
  for (const d of source.list(RESOURCES.deployments)) {
    const status = (d.status ?? {}) as { availableReplicas?: number; readyReplicas?: number };
    const ns = d.metadata.namespace ?? "";
    deployments.set(`${ns}/${d.metadata.name}`, {
      namespace: ns,
      name: d.metadata.name!,
      desired: (d.spec as { replicas?: number } | undefined)?.replicas ?? 1,
      available: status.availableReplicas ?? 0,
      ready: status.readyReplicas ?? 0,
      restarts: 0,
    });
  }

  const podsByPhase = new Map<string, number>();
  const owners = new DeploymentOwners(source);
  for (const p of source.list(RESOURCES.pods)) {
    const phase = (p.status as { phase?: string } | undefined)?.phase || "Pending";
    const k = `${p.metadata.namespace ?? ""}\0${phase}`;
    podsByPhase.set(k, (podsByPhase.get(k) ?? 0) + 1);
    const restarts = restartsOf(p);
    const nodeName = (p.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? nodes.get(nodeName) : undefined;
    if (node && !TERMINAL.has(phase)) {
      node.pods++;
      node.restarts += restarts;
    }
    if (restarts) {
      const dep = owners.deploymentOf(p);
      const summary = dep && deployments.get(`${p.metadata.namespace}/${dep}`);
      if (summary) summary.restarts += restarts;
    }
  }
  return { nodes, podsByPhase, deployments };
}

export function restartsOf(pod: KubeObject): number {
  const statuses = (pod.status as { containerStatuses?: { restartCount?: number }[] } | undefined)?.containerStatuses ?? [];
  let n = 0;
  for (const s of statuses) n += s.restartCount ?? 0;
  return n;
}

type OwnerRef = { kind: string; name: string; controller?: boolean };

/** Pod → ReplicaSet → Deployment, through controller ownerReferences (ReplicaSets looked up once each). */
export class DeploymentOwners {
  private readonly replicaSets = new Map<string, string | undefined>();
  constructor(private readonly source: ObjectSource) {}

  deploymentOf(pod: KubeObject): string | undefined {
    const rs = controllerOf(pod, "ReplicaSet");
    if (!rs) return undefined;
    const ns = pod.metadata.namespace ?? "";
    const key = `${ns}/${rs}`;
    if (!this.replicaSets.has(key)) {
      const set = this.source.get(RESOURCES.replicaSets, ns, rs);
      this.replicaSets.set(key, set ? controllerOf(set, "Deployment") : undefined);
    }
    return this.replicaSets.get(key);
  }
}

function controllerOf(obj: KubeObject, kind: string): string | undefined {
  const refs = (obj.metadata.ownerReferences ?? []) as OwnerRef[];
  return refs.find((r) => r.kind === kind && r.controller !== false)?.name;
}
