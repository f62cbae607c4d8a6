// Stored history (rows and blocks, values encoded, many of them reverse deltas) turned back
// into changes. A delta holds an older version relative to the key's next change, so
// history is rebuilt newest first from each key's current value (or a full value: a
// deletion, or a row written before deltas). A change that cannot be given back exactly
// (never written so) makes it and everything older lost: a watch from there relists.
import type { KubeObject } from "../api/kinds/kind.ts";
import type { Change } from "./store.ts";
import { turn, type StoredRow } from "./history-blocks.ts";
import { parseChangeCode } from "./change-codes.ts";
import { SAME_AS_OBJECT } from "./group-statements.ts";
import { rebuild } from "./reverse-delta.ts";

export type RebuildSource = {
  decode(resource: string, value: string): Promise<string> | string;
  /** The live object the store holds now (the value of a SAME_AS_OBJECT row). */
  current(resource: string, namespace: string, name: string): KubeObject | undefined;
};

/**
 * Changes of `stored` (oldest first) as far back as they can be rebuilt, oldest first, each
 * with the key's previous version when that is among them; `lost` is the newest revision
 * that could not be rebuilt (0 when none).
 */
export async function rebuildChanges(stored: StoredRow[], src: RebuildSource): Promise<{ changes: Change[]; lost: number }> {
  const newer = new Map<string, KubeObject>();
  const rebuilt: Change[] = [];
  let lost = 0;
  for (let i = stored.length - 1; i >= 0; i--) {
    if (i % 2000 === 1999) await turn();
    const row = stored[i]!;
    const k = `${row.resource}\u0000${row.namespace}/${row.name}`;
    const code = parseChangeCode(row.code);
    let object: KubeObject | undefined;
    if (!code) object = undefined;
    else if (row.value === SAME_AS_OBJECT) {
      // The object row holds this change's value (the change log shares the cached object).
      object = src.current(row.resource, row.namespace, row.name);
      if (object?.metadata.resourceVersion !== String(row.revision)) object = undefined;
    } else if (code.delta) {
      const next = newer.get(k);
      object = next && rebuild(next, await src.decode(row.resource, row.value), row.revision);
    } else object = JSON.parse(await src.decode(row.resource, row.value)) as KubeObject;
    if (!object) {
      lost = row.revision;
      break;
    }
    newer.set(k, object);
    rebuilt.push({ revision: row.revision, resource: row.resource, namespace: row.namespace, name: row.name, type: code!.type, object });
  }
  rebuilt.reverse();
  // Watch filters turn label changes into ADDED/DELETED by the version before each change.
  const before = new Map<string, KubeObject>();
  for (const c of rebuilt) {
    const k = `${c.resource}\u0000${c.namespace}/${c.name}`;
    const previous = before.get(k);
    if (previous && c.type !== "ADDED") c.previous = previous;
    if (c.type === "DELETED") before.delete(k);
    else before.set(k, c.object);
  }
  return { changes: rebuilt, lost };
}
