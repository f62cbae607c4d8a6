// The SQL of one group commit: every change of the group in a few multi-row statements,
// so the cost of a transaction is paid once per group rather than once per write.
// Table and column names come from the drizzle declarations in schema.ts.
import type { InStatement } from "@libsql/client";
import { getTableName } from "drizzle-orm";
import { changes, meta, objects } from "./schema.ts";
import type { ChangeType } from "./store.ts";
import { changeCode } from "./change-codes.ts";

/** One stored change, ready for the database (value already encoded). */
export type ChangeRow = {
  revision: number;
  resource: string;
  namespace: string;
  name: string;
  type: ChangeType;
  /** The object's full encoded value. */
  value: string;
  /** Set once a later change of the same group supersedes this one: what its change row keeps instead. */
  history?: HistoryValue;
};

/** What a superseded change row keeps: a reverse delta against the key's next change, or the full value. */
export type HistoryValue = { value: string; delta: boolean };
/** A change committed in an earlier group, superseded by one of this group. */
export type SupersededRow = HistoryValue & { revision: number };

// Rows per statement: well under SQLite's limit on bound parameters (32766).
const ROWS_PER_STATEMENT = 500;

const O = getTableName(objects);
const C = getTableName(changes);
const M = getTableName(meta);
const oc = objects;
const cc = changes;
const objectKey = `${oc.resource.name}, ${oc.namespace.name}, ${oc.name.name}`;
const upsertHead = `INSERT INTO ${O} (${objectKey}, ${oc.revision.name}, ${oc.value.name}) VALUES `;
const upsertTail = ` ON CONFLICT (${objectKey}) DO UPDATE SET ${oc.revision.name} = excluded.${oc.revision.name}, ${oc.value.name} = excluded.${oc.value.name}`;
const deleteHead = `DELETE FROM ${O} WHERE (${objectKey}) IN (VALUES `;
// A superseded change row gets its history value; its type becomes the one-letter code
// (lower case for a delta), which also turns a row of the old spelled-out form into a new one.
const keepSupersededHead = `UPDATE ${C} SET ${cc.type.name} = CASE WHEN v.column3 THEN lower(substr(${C}.${cc.type.name}, 1, 1)) ELSE substr(${C}.${cc.type.name}, 1, 1) END, ${cc.value.name} = v.column2 FROM (VALUES `;
const keepSupersededTail = `) AS v WHERE ${C}.${cc.revision.name} = v.column1`;
const changeHead = `INSERT INTO ${C} (${cc.revision.name}, ${cc.resource.name}, ${cc.namespace.name}, ${cc.name.name}, ${cc.type.name}, ${cc.value.name}) VALUES `;
const metaUpsert = `INSERT INTO ${M} (${meta.key.name}, ${meta.value.name}) VALUES ('revision', ?) ON CONFLICT (${meta.key.name}) DO UPDATE SET ${meta.value.name} = excluded.${meta.value.name}`;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

// The same few placeholder lists recur (group sizes repeat): build each once.
const placeholderCache = new Map<number, string>();
function placeholders(count: number, width: number): string {
  const k = count * 8 + width;
  let s = placeholderCache.get(k);
  if (s === undefined) {
    const one = `(${Array(width).fill("?").join(", ")})`;
    s = Array(count).fill(one).join(", ");
    if (placeholderCache.size < 4096) placeholderCache.set(k, s);
  }
  return s;
}

/**
 * A change row's value when it is the same as the object row's: the latest change of a
 * live object is read from the objects table, so the change log does not hold a second
 * copy of every recently written object.
 */
export const SAME_AS_OBJECT = "";

/**
 * Statements that store a group of changes, in revision order. The objects table only
 * needs each key's last state in the group; the change log gets every change: a deletion
 * with its full value, a superseded change with its history value, and each key's last
 * change with SAME_AS_OBJECT (its value is the object row's). Changes of earlier groups
 * that this group supersedes get their history values.
 */
export function groupStatements(rows: ChangeRow[], superseded: SupersededRow[] = []): InStatement[] {
  const last = new Map<string, ChangeRow>();
  for (const r of rows) last.set(`${r.resource}\u0000${r.namespace}\u0000${r.name}`, r);
  const upserts: ChangeRow[] = [];
  const deletes: ChangeRow[] = [];
  for (const r of last.values()) (r.type === "DELETED" ? deletes : upserts).push(r);
  const lastRows = new Set(upserts);

  const stmts: InStatement[] = [];
  for (const part of chunks(superseded)) {
    const args: (string | number)[] = [];
    for (const r of part) args.push(r.revision, r.value, r.delta ? 1 : 0);
    stmts.push({ sql: `${keepSupersededHead}${placeholders(part.length, 3)}${keepSupersededTail}`, args });
  }
  for (const part of chunks(deletes)) {
    const args: (string | number)[] = [];
    for (const r of part) args.push(r.resource, r.namespace, r.name);
    stmts.push({ sql: `${deleteHead}${placeholders(part.length, 3)})`, args });
  }
  for (const part of chunks(upserts)) {
    const args: (string | number)[] = [];
    for (const r of part) args.push(r.resource, r.namespace, r.name, r.revision, r.value);
    stmts.push({ sql: `${upsertHead}${placeholders(part.length, 5)}${upsertTail}`, args });
  }
  for (const part of chunks(rows)) {
    const args: (string | number)[] = [];
    for (const r of part) {
      const kept = lastRows.has(r) ? { value: SAME_AS_OBJECT, delta: false } : r.type === "DELETED" ? { value: r.value, delta: false } : (r.history ?? { value: r.value, delta: false });
      args.push(r.revision, r.resource, r.namespace, r.name, changeCode(r.type, kept.delta), kept.value);
    }
    stmts.push({ sql: `${changeHead}${placeholders(part.length, 6)}`, args });
  }
  if (rows.length) stmts.push({ sql: metaUpsert, args: [rows[rows.length - 1]!.revision] });
  return stmts;
}
