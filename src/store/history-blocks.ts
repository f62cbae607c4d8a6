// Packing settled change rows into compressed blocks. A change row's value is settled once
// it is not SAME_AS_OBJECT: a deletion, or a change superseded by a later one (a delta or a
// full value). Settled rows never change again, so compaction packs them BLOCK_ROWS at a
// time, oldest first, into one deflated block: repeated names and similar deltas compress
// to a few bytes a change, where a row of its own costs some 50 bytes. The latest change of
// each live object stays a row (a later write fills in its value), so a block holds the
// settled rows between its `first` and `last`, not every revision between them.
import type { Client, InStatement } from "@libsql/client";
import { getTableName } from "drizzle-orm";
import { changes, historyBlocks } from "./schema.ts";
import { SAME_AS_OBJECT } from "./group-statements.ts";

/** A change as stored (value encoded, type a code of change-codes.ts), in a row or a block. */
export type StoredRow = { revision: number; resource: string; namespace: string; name: string; code: string; value: string };
type Packed = [number, string, string, string, string, string];

/** Settled rows per block: enough for deflate to find the repetition, few enough to read fast. */
export const BLOCK_ROWS = 500;

const C = getTableName(changes);
const B = getTableName(historyBlocks);
const cc = changes;
const bc = historyBlocks;
const rowColumns = `${cc.revision.name}, ${cc.resource.name}, ${cc.namespace.name}, ${cc.name.name}, ${cc.type.name}, ${cc.value.name}`;

function toRow(r: Record<string, unknown>): StoredRow {
  return { revision: Number(r[cc.revision.name]), resource: String(r[cc.resource.name]), namespace: String(r[cc.namespace.name]), name: String(r[cc.name.name]), code: String(r[cc.type.name]), value: String(r[cc.value.name]) };
}

/** Pack the oldest BLOCK_ROWS settled rows after `floor` into a block; false when fewer are settled. */
export async function packSettledRows(client: Client, floor: number): Promise<boolean> {
  const res = await client.execute({ sql: `SELECT ${rowColumns} FROM ${C} WHERE ${cc.revision.name} > ? AND ${cc.value.name} != ? ORDER BY ${cc.revision.name} LIMIT ?`, args: [floor, SAME_AS_OBJECT, BLOCK_ROWS] });
  if (res.rows.length < BLOCK_ROWS) return false;
  const rows = res.rows.map((r) => toRow(r as unknown as Record<string, unknown>));
  const packed: Packed[] = rows.map((r) => [r.revision, r.resource, r.namespace, r.name, r.code, r.value]);
  const data = Bun.deflateSync(Buffer.from(JSON.stringify(packed)), { level: 9 });
  const first = rows[0]!.revision;
  const last = rows[rows.length - 1]!.revision;
  const stmts: InStatement[] = [
    { sql: `INSERT INTO ${B} (${bc.last.name}, ${bc.first.name}, ${bc.data.name}) VALUES (?, ?, ?)`, args: [last, first, data] },
    // Exactly the rows read: every settled row in the range was among the oldest settled ones.
    { sql: `DELETE FROM ${C} WHERE ${cc.revision.name} BETWEEN ? AND ? AND ${cc.value.name} != ?`, args: [first, last, SAME_AS_OBJECT] },
  ];
  await client.batch(stmts, "write");
  return true;
}

/** Every stored change after `floor`, from rows and blocks, oldest first. */
export async function loadStoredChanges(client: Client, floor: number): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  const blocks = await client.execute({ sql: `SELECT ${bc.data.name} FROM ${B} WHERE ${bc.last.name} > ?`, args: [floor] });
  for (const b of blocks.rows) {
    const data = new Uint8Array(b[0] as ArrayBuffer);
    for (const [revision, resource, namespace, name, code, value] of JSON.parse(Buffer.from(Bun.inflateSync(data)).toString()) as Packed[]) {
      if (revision > floor) out.push({ revision, resource, namespace, name, code, value });
    }
  }
  const rows = await client.execute({ sql: `SELECT ${rowColumns} FROM ${C} WHERE ${cc.revision.name} > ?`, args: [floor] });
  for (const r of rows.rows) out.push(toRow(r as unknown as Record<string, unknown>));
  return out.sort((a, b) => a.revision - b.revision);
}
