// Inter-pod affinity and anti-affinity (required and preferred), as upstream's InterPodAffinity
// plugin: a term matches pods by label selector and namespace, and a node satisfies it when a
// matching pod runs in the node's topology domain (the nodes sharing its topologyKey label).
import type { KubeObject } from "../api/kinds/kind.ts";
import { labelSelectorMatcher, type LabelSelectorObject } from "../api/selectors/index.ts";
import type { NodeInfo } from "./node-cache.ts";

type Term = { labelSelector?: LabelSelectorObject; namespaces?: string[]; namespaceSelector?: LabelSelectorObject; topologyKey: string };
type Weighted = { weight: number; podAffinityTerm: Term };
type Rules = { requiredDuringSchedulingIgnoredDuringExecution?: Term[]; preferredDuringSchedulingIgnoredDuringExecution?: Weighted[] };
type Affinity = { podAffinity?: Rules; podAntiAffinity?: Rules };

const affinityOf = (pod: KubeObject): Affinity => ((pod.spec as { affinity?: Affinity } | undefined)?.affinity ?? {});

export function hasRequiredAntiAffinity(pod: KubeObject): boolean {
  return !!affinityOf(pod).podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length;
}

export function hasRequiredPodAffinity(pod: KubeObject): boolean {
  return !!affinityOf(pod).podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length;
}

function hasPodAffinityTerms(pod: KubeObject): boolean {
  const a = affinityOf(pod);
  return [a.podAffinity, a.podAntiAffinity].some((r) => r?.requiredDuringSchedulingIgnoredDuringExecution?.length || r?.preferredDuringSchedulingIgnoredDuringExecution?.length);
}

/**
 * Whether `term` (written on a pod in `ownerNamespace`) selects `pod`. A missing selector
 * selects nothing; an empty namespaceSelector means every namespace (selectors over namespace
 * labels are not evaluated: only `namespaces` and the owner's namespace count).
 */
function termSelects(term: Term, ownerNamespace: string, pod: KubeObject): boolean {
  if (!term.labelSelector) return false;
  const ns = pod.metadata.namespace ?? "";
  const allNamespaces = !!term.namespaceSelector && !term.namespaceSelector.matchLabels && !term.namespaceSelector.matchExpressions?.length;
  const namespaces = term.namespaces?.length || term.namespaceSelector ? (term.namespaces ?? []) : [ownerNamespace];
  if (!allNamespaces && !namespaces.includes(ns)) return false;
  return labelSelectorMatcher(term.labelSelector)(pod.metadata.labels ?? {});
}

const domainOf = (n: NodeInfo, key: string) => n.node.metadata.labels?.[key];

/** How many pods each term selects per topology value, over every node. */
function countByDomain(terms: Term[], namespace: string, nodes: NodeInfo[]): Map<string, number>[] {
  const counts = terms.map(() => new Map<string, number>());
  if (!terms.length) return counts;
  for (const n of nodes) {
    for (const other of n.usage.members.values()) {
      terms.forEach((t, i) => {
        const value = domainOf(n, t.topologyKey);
        if (value !== undefined && termSelects(t, namespace, other)) counts[i]!.set(value, (counts[i]!.get(value) ?? 0) + 1);
      });
    }
  }
  return counts;
}

export type PodAffinityCheck = {
  /** Why the node breaks a required rule (upstream's words), or undefined. */
  filter(n: NodeInfo): string | undefined;
  /** Sum of preferred weights times matching pods in the node's domain (anti-affinity subtracts). */
  score(n: NodeInfo): number;
};

/** Precomputed once per decision; undefined when neither the pod nor any placed pod has rules. */
export function podAffinityCheck(pod: KubeObject, nodes: NodeInfo[], antiAffinityPods: Iterable<{ pod: KubeObject; node: string }>, nodeByName: (name: string) => NodeInfo | undefined): PodAffinityCheck | undefined {
  // Domains forbidden by placed pods whose required anti-affinity selects this pod.
  const forbidden: { key: string; value: string }[] = [];
  for (const e of antiAffinityPods) {
    const where = nodeByName(e.node);
    if (!where) continue;
    for (const t of affinityOf(e.pod).podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      const value = domainOf(where, t.topologyKey);
      if (value !== undefined && termSelects(t, e.pod.metadata.namespace ?? "", pod)) forbidden.push({ key: t.topologyKey, value });
    }
  }
  if (!forbidden.length && !hasPodAffinityTerms(pod)) return undefined;

  const ns = pod.metadata.namespace ?? "";
  const a = affinityOf(pod);
  const required = a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const anti = a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  const preferred = [
    ...(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ term: w.podAffinityTerm, weight: w.weight })),
    ...(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => ({ term: w.podAffinityTerm, weight: -w.weight })),
  ];
  const requiredCounts = countByDomain(required, ns, nodes);
  const antiCounts = countByDomain(anti, ns, nodes);
  const preferredCounts = countByDomain(preferred.map((p) => p.term), ns, nodes);
  // The first pod of a group with affinity to itself may go anywhere (upstream's special case).
  const noneAnywhere = requiredCounts.every((m) => m.size === 0);
  const selfAffine = required.every((t) => termSelects(t, ns, pod));

  return {
    // Checked in upstream's order: own affinity, own anti-affinity, then placed pods' anti-affinity.
    filter(n) {
      if (required.length && !(noneAnywhere && selfAffine)) {
        const ok = required.every((t, i) => {
          const value = domainOf(n, t.topologyKey);
          return value !== undefined && (requiredCounts[i]!.get(value) ?? 0) > 0;
        });
        if (!ok) return "node(s) didn't match pod affinity rules";
      }
      const clash = anti.some((t, i) => {
        const value = domainOf(n, t.topologyKey);
        return value !== undefined && (antiCounts[i]!.get(value) ?? 0) > 0;
      });
      if (clash) return "node(s) didn't match pod anti-affinity rules";
      return forbidden.some((f) => domainOf(n, f.key) === f.value) ? "node(s) didn't satisfy existing pods anti-affinity rules" : undefined;
    },
    score(n) {
      let s = 0;
      preferred.forEach((p, i) => {
        const value = domainOf(n, p.term.topologyKey);
        if (value !== undefined) s += p.weight * (preferredCounts[i]!.get(value) ?? 0);
      });
      return s;
    },
  };
}
