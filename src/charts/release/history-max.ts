// Helm's storage.removeLeastRecent: before a new revision is written, drop the oldest
// ones so that at most `max` remain afterwards, never the last deployed one.
import type { ReleaseStore } from "./release-store.ts";
import type { Release } from "./release-types.ts";

export const DEFAULT_HISTORY_MAX = 10;

export async function createWithHistoryMax(store: ReleaseStore, rel: Release, max: number): Promise<void> {
  if (max > 0) {
    const h = await store.history(rel.namespace, rel.name);
    const keep = max - 1;
    const deployed = [...h].reverse().find((r) => r.info.status === "deployed");
    const doomed: Release[] = [];
    for (const r of h) {
      if (h.length - doomed.length <= keep) break;
      if (deployed && r.version === deployed.version) continue;
      doomed.push(r);
    }
    for (const r of doomed) await store.delete(r.namespace, r.name, r.version);
  }
  await store.create(rel);
}
