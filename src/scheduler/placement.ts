// One scheduling decision: filter nodes (why each one cannot take the pod), then pick the
// best of the feasible ones: the user's preferences first (preferred node and pod
// (anti-)affinity, PreferNoSchedule taints), then fewest pods of the same owner, then least
// allocated.
import type { KubeObject } from "../api/kinds/kind.ts";
import { controllerRefOf } from "../controllers/shared/owner-refs.ts";
import type { NodeInfo } from "./node-cache.ts";
import { hostPorts, podRequests, portsConflict, type HostPort, type Requests } from "./pod-requests.ts";
import { matchesNodeSelectorAndAffinity, preferredNodeAffinityScore, tolerates, tolerationsOf, untoleratedPreferNoSchedule, untoleratedTaint, type Toleration } from "./node-matching.ts";
import type { PodAffinityCheck } from "./pod-affinity.ts";

export type Placement = { node: string } | { reasons: Map<string, number>; nodes: number };

const UNSCHEDULABLE_TAINT = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };
// Requests a pod without any count as, for spreading by allocation (upstream's non-zero defaults).
const DEFAULT_CPU = 100;
const DEFAULT_MEMORY = 200 * 2 ** 20;
// An untolerated PreferNoSchedule taint outweighs any one preferred term (weights are 1-100).
const PREFER_NO_SCHEDULE_PENALTY = 100;

type PodFacts = { pod: KubeObject; req: Requests; ports: HostPort[]; tolerations: Toleration[]; owner?: string; affinity?: PodAffinityCheck };

/** Why a node cannot take the pod: reasons in upstream's words, none when it fits. */
export function filterNode(f: PodFacts, n: NodeInfo): string[] {
  const spec = (n.node.spec ?? {}) as { unschedulable?: boolean };
  if (spec.unschedulable && !f.tolerations.some((t) => tolerates(t, UNSCHEDULABLE_TAINT))) return ["node(s) were unschedulable"];
  const taint = untoleratedTaint(n.node, f.tolerations);
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`];
  if (!n.ready) return ["node(s) were not ready"];
  if (!matchesNodeSelectorAndAffinity(f.pod, n.node)) return ["node(s) didn't match Pod's node affinity/selector"];
  const affinity = f.affinity?.filter(n);
  if (affinity) return [affinity];
  if (f.ports.length && f.ports.some((p) => n.usage.ports.some((u) => portsConflict(p, u)))) return ["node(s) didn't have free ports for the requested pod ports"];
  const out: string[] = [];
  if (n.usage.pods + 1 > n.allocatable.pods) out.push("Too many pods");
  if (f.req.cpu > 0 && n.usage.cpu + f.req.cpu > n.allocatable.cpu) out.push("Insufficient cpu");
  if (f.req.memory > 0 && n.usage.memory + f.req.memory > n.allocatable.memory) out.push("Insufficient memory");
  return out;
}

/** upstream's adaptive percentageOfNodesToScore: stop filtering once this many nodes fit. */
export function feasibleNodesToFind(total: number): number {
  if (total < 100) return total;
  const pct = Math.max(5, 50 - Math.floor(total / 125));
  return Math.max(100, Math.floor((total * pct) / 100));
}

function leastAllocated(f: PodFacts, n: NodeInfo): number {
  const cpu = n.allocatable.cpu ? (n.allocatable.cpu - n.usage.cpu - (f.req.cpu || DEFAULT_CPU)) / n.allocatable.cpu : 0;
  const mem = n.allocatable.memory ? (n.allocatable.memory - n.usage.memory - (f.req.memory || DEFAULT_MEMORY)) / n.allocatable.memory : 0;
  return (cpu + mem) / 2;
}

function preference(f: PodFacts, n: NodeInfo): number {
  return preferredNodeAffinityScore(f.pod, n.node) + (f.affinity?.score(n) ?? 0) - PREFER_NO_SCHEDULE_PENALTY * untoleratedPreferNoSchedule(n.node, f.tolerations);
}

/** Place a pod among `nodes`, looking from `start` on; returns the choice and how many nodes were looked at. */
export function place(pod: KubeObject, nodes: NodeInfo[], start: number, affinity?: PodAffinityCheck): { placement: Placement; examined: number } {
  const facts: PodFacts = { pod, req: podRequests(pod), ports: hostPorts(pod), tolerations: tolerationsOf(pod), owner: controllerRefOf(pod)?.uid, affinity };
  const want = feasibleNodesToFind(nodes.length);
  const reasons = new Map<string, number>();
  let best: NodeInfo | undefined;
  let bestPreference = -Infinity;
  let bestSpread = Infinity;
  let bestAlloc = -Infinity;
  let found = 0;
  let i = 0;
  for (; i < nodes.length && found < want; i++) {
    const n = nodes[(start + i) % nodes.length]!;
    const why = filterNode(facts, n);
    if (why.length) {
      for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      continue;
    }
    found++;
    const pref = preference(facts, n);
    if (pref < bestPreference) continue;
    const spread = facts.owner ? (n.usage.owners.get(facts.owner) ?? 0) : 0;
    if (pref === bestPreference && spread > bestSpread) continue;
    const alloc = leastAllocated(facts, n);
    if (pref > bestPreference || spread < bestSpread || alloc > bestAlloc) {
      best = n;
      bestPreference = pref;
      bestSpread = spread;
      bestAlloc = alloc;
    }
  }
  if (best) return { placement: { node: best.name }, examined: i };
  return { placement: { reasons, nodes: nodes.length }, examined: i };
}

/** FitError's message: "0/3 nodes are available: 1 Insufficient memory, 2 node(s) had …." */
export function fitErrorMessage(reasons: Map<string, number>, total: number): string {
  if (total === 0) return "no nodes available to schedule pods";
  const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available${parts.length ? ": " + parts.join(", ") : ""}.`;
}
