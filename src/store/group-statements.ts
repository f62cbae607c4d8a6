// The SQL of one group commit: every change of the group in a few multi-row statements,
// so the cost of a transaction is paid once per group rather than once per write.
// Table and column names come from the drizzle declarations in schema.ts.
import type { InStatement } from "@libsql/client";
import { getTableName } from "drizzle-orm";
import { changes, meta, objects } from "./schema.ts";
import type { ChangeType } from "./store.ts";

/** One stored change, ready for the database (value already encoded). */
export type ChangeRow = {
  revision: number;
  resource: string;
  namespace: string;
  name: string;
  type: ChangeType;
  value: string;
  /** The key had an object before this change (so the first change of a key in a group tells whether it has a row). */
  replaces: boolean;
};

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
// Before a key's object row is overwritten, its value moves into the change row of the revision it held.
const keepSupersededHead = `UPDATE ${C} SET ${cc.value.name} = ${O}.${oc.value.name} FROM ${O} WHERE ${C}.${cc.revision.name} = ${O}.${oc.revision.name} AND (${O}.${oc.resource.name}, ${O}.${oc.namespace.name}, ${O}.${oc.name.name}) IN (VALUES `;
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
 * needs each key's last state in the group; the change log gets every change, with the
 * value of each key's last one left in the objects table (SAME_AS_OBJECT) unless it is a
 * deletion.
 */
export function groupStatements(rows: ChangeRow[]): InStatement[] {
  const last = new Map<string, ChangeRow>();
  // Keys with an object row (their first change here replaces an object): its value moves to its change row first.
  const superseded: ChangeRow[] = [];
  for (const r of rows) {
    const k = `${r.resource}\u0000${r.namespace}\u0000${r.name}`;
    if (!last.has(k) && r.replaces) superseded.push(r);
    last.set(k, r);
  }
  const upserts: ChangeRow[] = [];
  const deletes: ChangeRow[] = [];
  for (const r of last.values()) (r.type === "DELETED" ? deletes : upserts).push(r);
  const lastRows = new Set(upserts);

  const stmts: InStatement[] = [];
  for (const part of chunks(superseded)) {
    const args: (string | number)[] = [];
    for (const r of part) args.push(r.resource, r.namespace, r.name);
    stmts.push({ sql: `${keepSupersededHead}${placeholders(part.length, 3)})`, args });
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
    for (const r of part) args.push(r.revision, r.resource, r.namespace, r.name, r.type, lastRows.has(r) ? SAME_AS_OBJECT : r.value);
    stmts.push({ sql: `${changeHead}${placeholders(part.length, 6)}`, args });
  }
  if (rows.length) stmts.push({ sql: metaUpsert, args: [rows[rows.length - 1]!.revision] });
  return stmts;
}
