// What both store backends do alike with their change feed: hand a change to every
// subscriber, and answer a history request from memory or, when older, from the backend.
import type { Change, Store } from "./store-interface.ts";

/** Every listener hears the change; one that throws is logged and does not stop the others. */
export function notify(listeners: Iterable<(c: Change) => void>, change: Change): void {
  for (const l of listeners) {
    try {
      l(change);
    } catch (e) {
      console.error(`store listener failed on ${change.resource} ${change.namespace}/${change.name}: ${(e as Error).message}`);
    }
  }
}

/** Changes after `revision` (of `resource` only, when given), from memory or the backend. */
export async function historyFrom(store: Pick<Store, "changesSince" | "storedChangesSince">, revision: number, resource?: string): Promise<Change[] | "expired"> {
  const recent = store.changesSince(revision);
  if (recent !== "stored") return recent === "expired" ? recent : resource === undefined ? recent : recent.filter((c) => c.resource === resource);
  const stored = await store.storedChangesSince(revision, resource);
  return stored === "expired" ? stored : stored.changes;
}
