// What a DaemonSet's pod looks like and where it may run, as upstream's daemon util: each pod
// is pinned to its node by a required node affinity on metadata.name (the default scheduler
// binds it), carries the daemon tolerations, and a node runs the pod when the template's
// nodeName, node selector/affinity and the node's taints allow it.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { matchesNodeSelectorAndAffinity, untoleratedTaint, type Toleration } from "../../scheduler/node-matching.ts";

export const REVISION_HASH_LABEL = "controller-revision-hash";
export const TEMPLATE_GENERATION_LABEL = "pod-template-generation";

type PodSpec = { nodeName?: string; hostNetwork?: boolean; tolerations?: Toleration[]; affinity?: { nodeAffinity?: Record<string, unknown> } & Record<string, unknown> };
export type DaemonSetSpec = {
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PodSpec };
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
};

const exists = (key: string, effect: string): Toleration => ({ key, operator: "Exists", effect });

/** AddOrUpdateDaemonPodTolerations: daemons stay through node trouble and cordons. */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const add = [
    exists("node.kubernetes.io/not-ready", "NoExecute"),
    exists("node.kubernetes.io/unreachable", "NoExecute"),
    exists("node.kubernetes.io/disk-pressure", "NoSchedule"),
    exists("node.kubernetes.io/memory-pressure", "NoSchedule"),
    exists("node.kubernetes.io/pid-pressure", "NoSchedule"),
    exists("node.kubernetes.io/unschedulable", "NoSchedule"),
  ];
  if (spec.hostNetwork) add.push(exists("node.kubernetes.io/network-unavailable", "NoSchedule"));
  const out = [...(spec.tolerations ?? [])];
  for (const t of add) if (!out.some((o) => o.key === t.key && o.effect === t.effect && (o.operator ?? "Equal") === "Exists")) out.push(t);
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become "metadata.name In [node]". */
function pinToNode(spec: PodSpec, node: string) {
  const term = { matchFields: [{ key: "metadata.name", operator: "In", values: [node] }] };
  spec.affinity ??= {};
  spec.affinity.nodeAffinity ??= {};
  spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
}

/** The pod to create on `node` for the template revision `hash`. */
export function daemonPod(ds: KubeObject, node: string, hash: string, ownerRef: object): KubeObject {
  const t = (ds.spec as DaemonSetSpec).template ?? {};
  const spec = structuredClone(t.spec ?? {}) as PodSpec;
  spec.tolerations = daemonTolerations(spec);
  pinToNode(spec, node);
  return {
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [ownerRef as never],
    },
    spec,
  };
}

/** The node a daemon pod is for: its nodeName once bound, else its metadata.name affinity. */
export function targetNodeOf(pod: KubeObject): string | undefined {
  const spec = (pod.spec ?? {}) as { nodeName?: string; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; operator: string; values?: string[] }[] }[] } } } };
  if (spec.nodeName) return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` a new pod there; `shouldContinueRunning` one already
 * there (a NoSchedule taint added later does not evict, a NoExecute one does).
 */
export function nodeShouldRunDaemonPod(ds: KubeObject, node: KubeObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ((ds.spec as DaemonSetSpec).template?.spec ?? {}) as PodSpec;
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeSelectorAndAffinity({ metadata: {}, spec }, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonTolerations(spec);
  if (!untoleratedTaint(node, tolerations)) return { shouldRun: true, shouldContinueRunning: true };
  const noExecuteOnly = { ...node, spec: { ...(node.spec as object), taints: ((node.spec as { taints?: { effect: string }[] }).taints ?? []).filter((t) => t.effect === "NoExecute") } };
  return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(noExecuteOnly, tolerations) };
}
