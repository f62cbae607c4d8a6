// ControllerRevisions of a DaemonSet, as upstream's constructHistory: one revision per
// distinct template, named NAME-HASH, holding the patch that restores the template (what
// `kubectl rollout undo` applies); the current template's revision has the highest number,
// and old ones beyond revisionHistoryLimit go once no pod uses them.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { canonicalTemplate, podTemplateHash } from "../deployment/template-hash.ts";
import { REVISION_HASH_LABEL, type DaemonSetSpec } from "./daemon-pods.ts";

export const revisionOf = (cr: KubeObject) => Number((cr as { revision?: number }).revision ?? 0);

/** Keys sorted at every level, as Go's json.Marshal of a map writes them (kubectl compares bytes). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** getPatch: `{"spec":{"template":{…,"$patch":"replace"}}}`. */
export function revisionData(ds: KubeObject): object {
  const template = structuredClone((ds.spec as DaemonSetSpec).template ?? {}) as Record<string, unknown>;
  template.$patch = "replace";
  return sortedKeys({ spec: { template } }) as object;
}

/** Whether a revision holds this DaemonSet's current template. */
export function revisionMatches(cr: KubeObject, ds: KubeObject): boolean {
  const template = structuredClone(((cr as { data?: { spec?: { template?: Record<string, unknown> } } }).data?.spec?.template ?? {}));
  delete template.$patch;
  return canonicalTemplate(template) === canonicalTemplate((ds.spec as DaemonSetSpec).template);
}

export function templateHash(ds: KubeObject): string {
  return podTemplateHash((ds.spec as DaemonSetSpec).template, (ds.status as { collisionCount?: number } | undefined)?.collisionCount ?? 0);
}

export function newRevision(ds: KubeObject, hash: string, revision: number, ownerRef: object): KubeObject {
  const annotations = ds.metadata.annotations ? Object.fromEntries(Object.entries(ds.metadata.annotations).filter(([k]) => k !== "kubectl.kubernetes.io/last-applied-configuration" && k !== "deprecated.daemonset.template.generation")) : undefined;
  return {
    metadata: {
      name: `${ds.metadata.name}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...((ds.spec as DaemonSetSpec).template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerRef as never],
    },
    data: revisionData(ds),
    revision,
  };
}

/** Old revisions to delete: beyond the history limit, oldest first, skipping those pods still use. */
export function surplusRevisions(ds: KubeObject, old: KubeObject[], hashesInUse: Set<string>): KubeObject[] {
  const limit = (ds.spec as DaemonSetSpec).revisionHistoryLimit ?? 10;
  const removable = old.filter((cr) => !hashesInUse.has(cr.metadata.labels?.[REVISION_HASH_LABEL] ?? "")).sort((a, b) => revisionOf(a) - revisionOf(b));
  const excess = old.length - limit;
  return excess > 0 ? removable.slice(0, excess) : [];
}
