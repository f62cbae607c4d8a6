// The stored cluster state the metrics show, kept up to date change by change instead of
// recomputed from every pod at each scrape: per node its conditions, capacity, heartbeat,
// pods and restarts; pods by namespace and phase; Deployments' replicas; restarts per
// ReplicaSet (resolved to its Deployment at scrape time, as ownership can change later).
// Series stay bounded: per node and per Deployment, never per pod.
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Change } from "../../store/store.ts";
import { parseQuantity } from "../../scheduler/quantity.ts";
import { RESOURCES, type ObjectSource } from "./object-source.ts";
import { restartsOf } from "./pod-owners.ts";
import { labelText } from "./text-family.ts";

type Condition = { type: string; status: string; lastHeartbeatTime?: string };

export type IndexedNode = {
  /** `node="…"`, rendered once. */
  label: string;
  conditions: { type: string; status: string }[];
  /** [resource, value] of the reported capacity (cpu in cores, bytes, pods). */
  capacity: [string, number][];
  conditionHeartbeat?: number;
};

export type IndexedDeployment = { label: string; desired: number; available: number; ready: number };

/** What one pod adds to the aggregates; kept so a change can take the old one back. */
type PodShare = { phaseKey: string; node?: string; restarts: number; replicaSet?: string };

const TERMINAL = new Set(["Succeeded", "Failed"]);
const WATCHED: ReadonlySet<string> = new Set([RESOURCES.nodes, RESOURCES.leases, RESOURCES.pods, RESOURCES.deployments]);

export class ClusterIndex {
  readonly nodes = new Map<string, IndexedNode>();
  /** Node name → Unix seconds of its Lease's last renewal. */
  readonly leaseRenewals = new Map<string, number>();
  readonly deployments = new Map<string, IndexedDeployment>();
  /** "namespace\0phase" → pods. */
  readonly podsByPhase = new Map<string, number>();
  /** Node name → pods bound to it and not finished, and their restarts. */
  readonly nodeLoad = new Map<string, { pods: number; restarts: number }>();
  /** "namespace/replicaSet" → restarts of its pods. */
  readonly replicaSetRestarts = new Map<string, number>();
  private readonly pods = new Map<string, PodShare>();
  private built = false;

  constructor(private readonly source: ObjectSource) {}

  /** Built on first use (the first scrape), so a server with many stored objects starts no slower. */
  current(): this {
    if (!this.built) this.rebuild();
    return this;
  }

  /** A rebuild, once built: a guard against drift from the change feed. */
  refresh() {
    if (this.built) this.rebuild();
  }

  /** Everything from the source again. */
  rebuild() {
    this.built = true;
    for (const m of [this.nodes, this.leaseRenewals, this.deployments, this.podsByPhase, this.nodeLoad, this.replicaSetRestarts, this.pods]) m.clear();
    for (const n of this.source.list(RESOURCES.nodes)) this.setNode(n);
    for (const l of this.source.list(RESOURCES.leases)) this.setLease(l);
    for (const d of this.source.list(RESOURCES.deployments)) this.setDeployment(d);
    for (const p of this.source.list(RESOURCES.pods)) this.setPod(p);
  }

  /** A store change (registry.subscribe). */
  apply(c: Change) {
    if (!this.built || !WATCHED.has(c.resource)) return;
    const gone = c.type === "DELETED";
    switch (c.resource) {
      case RESOURCES.nodes:
        if (gone) this.nodes.delete(c.name);
        else this.setNode(c.object);
        break;
      case RESOURCES.leases:
        if (c.namespace !== "kube-node-lease") break;
        if (gone) this.leaseRenewals.delete(c.name);
        else this.setLease(c.object);
        break;
      case RESOURCES.deployments:
        if (gone) this.deployments.delete(`${c.namespace}/${c.name}`);
        else this.setDeployment(c.object);
        break;
      case RESOURCES.pods:
        if (gone) this.removePod(`${c.namespace}/${c.name}`);
        else this.setPod(c.object);
        break;
    }
  }

  /** The newest heartbeat of a node: its Lease (frequent) or a condition's (rarer). */
  heartbeat(name: string, node: IndexedNode): number | undefined {
    const lease = this.leaseRenewals.get(name);
    if (lease === undefined) return node.conditionHeartbeat;
    return node.conditionHeartbeat === undefined ? lease : Math.max(lease, node.conditionHeartbeat);
  }

  private setNode(n: KubeObject) {
    const name = n.metadata.name!;
    const conditions = ((n.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).filter((c) => c.type && c.status);
    let heartbeat: number | undefined;
    for (const c of conditions) {
      const t = c.lastHeartbeatTime ? Date.parse(c.lastHeartbeatTime) : NaN;
      if (!Number.isNaN(t)) heartbeat = Math.max(heartbeat ?? 0, t / 1000);
    }
    const capacity: [string, number][] = [];
    for (const [resource, q] of Object.entries((n.status as { capacity?: Record<string, string> } | undefined)?.capacity ?? {})) {
      const v = parseQuantity(q);
      if (Number.isFinite(v)) capacity.push([resource, v]);
    }
    const label = this.nodes.get(name)?.label ?? labelText({ node: name });
    this.nodes.set(name, { label, conditions: conditions.map((c) => ({ type: c.type, status: c.status })), capacity, conditionHeartbeat: heartbeat });
  }

  private setLease(l: KubeObject) {
    if (l.metadata.namespace !== "kube-node-lease") return;
    const renew = Date.parse((l.spec as { renewTime?: string } | undefined)?.renewTime ?? "");
    if (Number.isNaN(renew)) this.leaseRenewals.delete(l.metadata.name!);
    else this.leaseRenewals.set(l.metadata.name!, renew / 1000);
  }

  private setDeployment(d: KubeObject) {
    const ns = d.metadata.namespace ?? "";
    const key = `${ns}/${d.metadata.name}`;
    const status = (d.status ?? {}) as { availableReplicas?: number; readyReplicas?: number };
    const label = this.deployments.get(key)?.label ?? labelText({ namespace: ns, deployment: d.metadata.name! });
    this.deployments.set(key, { label, desired: (d.spec as { replicas?: number } | undefined)?.replicas ?? 1, available: status.availableReplicas ?? 0, ready: status.readyReplicas ?? 0 });
  }

  private setPod(p: KubeObject) {
    const ns = p.metadata.namespace ?? "";
    const key = `${ns}/${p.metadata.name}`;
    this.removePod(key);
    const phase = (p.status as { phase?: string } | undefined)?.phase || "Pending";
    const nodeName = (p.spec as { nodeName?: string } | undefined)?.nodeName;
    const rs = (p.metadata.ownerReferences as { kind: string; name: string; controller?: boolean }[] | undefined)?.find((r) => r.kind === "ReplicaSet" && r.controller !== false)?.name;
    const share: PodShare = { phaseKey: `${ns}\0${phase}`, node: nodeName && !TERMINAL.has(phase) ? nodeName : undefined, restarts: restartsOf(p), replicaSet: rs ? `${ns}/${rs}` : undefined };
    this.pods.set(key, share);
    this.add(share, 1);
  }

  private removePod(key: string) {
    const share = this.pods.get(key);
    if (!share) return;
    this.pods.delete(key);
    this.add(share, -1);
  }

  private add(s: PodShare, sign: 1 | -1) {
    bump(this.podsByPhase, s.phaseKey, sign);
    if (s.node) {
      let load = this.nodeLoad.get(s.node);
      if (!load) this.nodeLoad.set(s.node, (load = { pods: 0, restarts: 0 }));
      load.pods += sign;
      load.restarts += sign * s.restarts;
      if (load.pods === 0) this.nodeLoad.delete(s.node);
    }
    if (s.replicaSet && s.restarts) bump(this.replicaSetRestarts, s.replicaSet, sign * s.restarts);
  }
}

function bump(m: Map<string, number>, key: string, by: number) {
  const v = (m.get(key) ?? 0) + by;
  if (v === 0) m.delete(key);
  else m.set(key, v);
}
