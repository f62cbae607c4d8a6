// The scheduler's view of nodes: allocatable, what bound (or assumed) pods already take,
// used host ports, and pods per owner; updated per pod event, never recomputed from scratch.
import type { KubeObject } from "../api/kinds/kind.ts";
import { controllerRefOf } from "../controllers/shared/owner-refs.ts";
import { cpuMillis, parseQuantity } from "./quantity.ts";
import { hostPorts, podRequests, type HostPort } from "./pod-requests.ts";
import { hasRequiredAntiAffinity } from "./pod-affinity.ts";

/** `members`: the pods counted on the node, for pod (anti-)affinity. */
export type Usage = { cpu: number; memory: number; pods: number; ports: HostPort[]; owners: Map<string, number>; members: Map<string, KubeObject> };

export type NodeInfo = {
  name: string;
  node: KubeObject;
  allocatable: { cpu: number; memory: number; pods: number };
  ready: boolean;
  usage: Usage;
};

type Accounted = { node: string; cpu: number; memory: number; ports: HostPort[]; owner?: string };

const emptyUsage = (): Usage => ({ cpu: 0, memory: 0, pods: 0, ports: [], owners: new Map(), members: new Map() });

export class NodeCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly usage = new Map<string, Usage>();
  private readonly accounted = new Map<string, Accounted>();
  private list: NodeInfo[] | undefined;
  /** Counted pods with required anti-affinity terms: every decision checks them (symmetry). */
  readonly antiAffinityPods = new Map<string, { pod: KubeObject; node: string }>();

  setNode(node: KubeObject): void {
    const name = node.metadata.name!;
    const status = (node.status ?? {}) as { allocatable?: Record<string, string>; capacity?: Record<string, string>; conditions?: { type: string; status: string }[] };
    const alloc = status.allocatable ?? status.capacity ?? {};
    const info: NodeInfo = {
      name,
      node,
      allocatable: { cpu: cpuMillis(alloc.cpu), memory: parseQuantity(alloc.memory) || 0, pods: parseQuantity(alloc.pods) || 0 },
      ready: (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      usage: this.usageOf(name),
    };
    if (!this.nodes.has(name)) this.list = undefined;
    this.nodes.set(name, info);
    if (this.list) this.list = this.list.map((n) => (n.name === name ? info : n));
  }

  removeNode(name: string): void {
    if (this.nodes.delete(name)) this.list = undefined;
  }

  get(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Nodes in a stable order, so the scheduler can rotate where it starts looking. */
  all(): NodeInfo[] {
    this.list ??= [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return this.list;
  }

  /** Count a pod against a node (bound, or assumed while its binding is written). */
  addPod(key: string, pod: KubeObject, nodeName: string): void {
    const prior = this.accounted.get(key);
    if (prior?.node === nodeName) return;
    if (prior) this.removePod(key);
    const req = podRequests(pod);
    const entry: Accounted = { node: nodeName, cpu: req.cpu, memory: req.memory, ports: hostPorts(pod), owner: controllerRefOf(pod)?.uid };
    this.accounted.set(key, entry);
    const u = this.usageOf(nodeName);
    u.cpu += entry.cpu;
    u.memory += entry.memory;
    u.pods += 1;
    if (entry.ports.length) u.ports.push(...entry.ports);
    if (entry.owner) u.owners.set(entry.owner, (u.owners.get(entry.owner) ?? 0) + 1);
    u.members.set(key, pod);
    if (hasRequiredAntiAffinity(pod)) this.antiAffinityPods.set(key, { pod, node: nodeName });
  }

  removePod(key: string): void {
    const entry = this.accounted.get(key);
    if (!entry) return;
    this.accounted.delete(key);
    const u = this.usageOf(entry.node);
    u.cpu -= entry.cpu;
    u.memory -= entry.memory;
    u.pods -= 1;
    u.members.delete(key);
    this.antiAffinityPods.delete(key);
    if (entry.ports.length) u.ports = u.ports.filter((p) => !entry.ports.includes(p));
    if (entry.owner) {
      const n = (u.owners.get(entry.owner) ?? 1) - 1;
      if (n <= 0) u.owners.delete(entry.owner);
      else u.owners.set(entry.owner, n);
    }
  }

  isAccounted(key: string): boolean {
    return this.accounted.has(key);
  }

  private usageOf(name: string): Usage {
    let u = this.usage.get(name);
    if (!u) this.usage.set(name, (u = emptyUsage()));
    return u;
  }
}
