// How a change row names its type and the form of its value. New rows use one letter
// (a row is small: its value is usually a short delta): upper case for a full value (or
// SAME_AS_OBJECT), lower case for a reverse delta against the key's next change. Rows
// written before history was kept as deltas spell the type out and always hold full values.
import type { ChangeType } from "./store.ts";

export type StoredChange = { type: ChangeType; delta: boolean };

const byCode: Record<string, StoredChange> = {
  A: { type: "ADDED", delta: false },
  M: { type: "MODIFIED", delta: false },
  D: { type: "DELETED", delta: false },
  a: { type: "ADDED", delta: true },
  m: { type: "MODIFIED", delta: true },
  ADDED: { type: "ADDED", delta: false },
  MODIFIED: { type: "MODIFIED", delta: false },
  DELETED: { type: "DELETED", delta: false },
};

export function changeCode(type: ChangeType, delta: boolean): string {
  const c = type[0]!;
  return delta ? c.toLowerCase() : c;
}

export function parseChangeCode(code: string): StoredChange | undefined {
  return Object.hasOwn(byCode, code) ? byCode[code] : undefined;
}
