// Taints and tolerations, nodeSelector and required node affinity: pure predicates shared by
// the scheduler and the node lifecycle controller.
import type { KubeObject } from "../api/kinds/kind.ts";

export type Taint = { key: string; value?: string; effect: string; timeAdded?: string };
export type Toleration = { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number };
type Requirement = { key: string; operator: string; values?: string[] };
type Term = { matchExpressions?: Requirement[]; matchFields?: Requirement[] };

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  const op = t.operator ?? "Equal";
  if (!t.key) return op === "Exists";
  if (t.key !== taint.key) return false;
  return op === "Exists" || (t.value ?? "") === (taint.value ?? "");
}

export function tolerationsOf(pod: KubeObject): Toleration[] {
  return ((pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? []);
}

export function taintsOf(node: KubeObject): Taint[] {
  return ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []);
}

/** The first NoSchedule/NoExecute taint the pod does not tolerate. */
export function untoleratedTaint(node: KubeObject, tolerations: Toleration[]): Taint | undefined {
  for (const taint of taintsOf(node)) {
    if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return taint;
  }
  return undefined;
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(values[0]!, 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === "Gt" ? a > b : a < b;
    }
    default:
      return false;
  }
}

function termMatches(term: Term, node: KubeObject): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false; // an empty term matches nothing
  const labels = node.metadata.labels ?? {};
  if (!exprs.every((r) => requirementMatches(r, labels[r.key]))) return false;
  return fields.every((r) => r.key === "metadata.name" && requirementMatches(r, node.metadata.name));
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution both hold. */
export function matchesNodeSelectorAndAffinity(pod: KubeObject, node: KubeObject): boolean {
  const spec = (pod.spec ?? {}) as { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } } };
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) return (required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node));
  return true;
}

/** Sum of the weights of preferredDuringSchedulingIgnoredDuringExecution terms the node matches. */
export function preferredNodeAffinityScore(pod: KubeObject, node: KubeObject): number {
  const preferred = (pod.spec as { affinity?: { nodeAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: Term }[] } } } | undefined)?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let sum = 0;
  for (const p of preferred) if (p.preference && termMatches(p.preference, node)) sum += p.weight ?? 0;
  return sum;
}

/** PreferNoSchedule taints the pod does not tolerate (upstream's TaintToleration score counts them). */
export function untoleratedPreferNoSchedule(node: KubeObject, tolerations: Toleration[]): number {
  let n = 0;
  for (const taint of taintsOf(node)) if (taint.effect === "PreferNoSchedule" && !tolerations.some((t) => tolerates(t, taint))) n++;
  return n;
}

/**
 * The only nodes a pod may go to when its required node affinity names them (every term
 * just "metadata.name In [...]", as DaemonSet pods carry): the scheduler then looks at those
 * alone instead of every node (upstream's NodeAffinity PreFilter result).
 */
export function pinnedNodeNames(pod: KubeObject): string[] | undefined {
  const terms = (pod.spec as { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } } } | undefined)?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return undefined;
  const names = new Set<string>();
  for (const t of terms) {
    if (t.matchExpressions?.length) return undefined;
    const byName = (t.matchFields ?? []).filter((f) => f.key === "metadata.name" && f.operator === "In");
    if (byName.length !== 1 || (t.matchFields ?? []).length !== 1) return undefined;
    for (const v of byName[0]!.values ?? []) names.add(v);
  }
  return [...names];
}
