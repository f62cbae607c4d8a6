// A workload's ControllerRevisions (DaemonSet, StatefulSet), as upstream's history package:
// one revision per distinct pod template, named OWNER-HASH; the current template's revision
// holds the highest number (a rollback renumbers the older one), and revisions past
// revisionHistoryLimit go, oldest first, once no pod uses them.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { controllerRefOf, newControllerRef } from "./owner-refs.ts";
import { isNotFoundOrConflict } from "./object-key.ts";
import { REVISION_HASH_LABEL } from "../daemonset/daemon-pods.ts";
import { newRevision, revisionMatches, revisionOf, surplusRevisions, templateHash } from "../daemonset/revisions.ts";

export type RevisionHistory = {
  /** The current template's revision, made or renumbered as needed. */
  current(owner: KubeObject): Promise<KubeObject>;
  /** Deletes revisions past the history limit that no pod uses (by revision hash). */
  prune(owner: KubeObject, currentHash: string, hashesInUse: Set<string>): Promise<void>;
};

export const revisionHash = (cr: KubeObject) => cr.metadata.labels?.[REVISION_HASH_LABEL] ?? "";

/** `owned` lists the revisions controlled by an owner uid (an informer index). */
export function revisionHistory(registry: Registry, kinds: { owner: KindDef; controllerRevision: KindDef }, owned: (uid: string) => KubeObject[]): RevisionHistory {
  async function remove(cr: KubeObject) {
    try {
      await registry.delete(kinds.controllerRevision, cr.metadata.namespace!, cr.metadata.name!, { preconditions: { uid: cr.metadata.uid } });
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  async function current(owner: KubeObject): Promise<KubeObject> {
    const all = owned(owner.metadata.uid!);
    const matching = all.filter((cr) => revisionMatches(cr, owner)).sort((a, b) => revisionOf(b) - revisionOf(a));
    const maxOld = Math.max(0, ...all.filter((cr) => !matching.includes(cr)).map(revisionOf));
    const ns = owner.metadata.namespace!;
    if (matching.length) {
      const [keep, ...dups] = matching;
      for (const d of dups) await remove(d);
      // A rollback to an older template makes that revision the newest again.
      if (revisionOf(keep!) <= maxOld) return (await registry.replace(kinds.controllerRevision, ns, keep!.metadata.name!, (cur) => ({ ...cur!, revision: maxOld + 1 }))).object;
      return keep!;
    }
    const hash = templateHash(owner);
    try {
      return await registry.create(kinds.controllerRevision, ns, newRevision(owner, hash, maxOld + 1, newControllerRef(kinds.owner, owner)));
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      // The name is taken by another template: bump collisionCount so the next hash differs.
      const existing = registry.tryGet(kinds.controllerRevision, ns, `${owner.metadata.name}-${hash}`);
      if (existing && controllerRefOf(existing)?.uid === owner.metadata.uid && revisionMatches(existing, owner)) return existing;
      await registry.replace(kinds.owner, ns, owner.metadata.name!, (cur) => {
        const st = (cur!.status ??= {}) as { collisionCount?: number };
        st.collisionCount = (st.collisionCount ?? 0) + 1;
        return cur!;
      }, {}, "status");
      throw e;
    }
  }

  async function prune(owner: KubeObject, currentHash: string, hashesInUse: Set<string>) {
    const inUse = new Set(hashesInUse).add(currentHash);
    const old = owned(owner.metadata.uid!).filter((cr) => revisionHash(cr) !== currentHash);
    for (const cr of surplusRevisions(owner, old, inUse)) await remove(cr);
  }

  return { current, prune };
}
