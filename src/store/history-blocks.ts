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
/** Bytes of values per block, at most (a larger value makes a block of its own). */
export const BLOCK_BYTES = 64 * 1024;

const C = getTableName(changes);
const B = getTableName(historyBlocks);
const cc = changes;
const bc = historyBlocks;
const rowColumns = `${cc.revision.name}, ${cc.resource.name}, ${cc.namespace.name}, ${cc.name.name}, ${cc.type.name}, ${cc.value.name}`;

function toRow(r: Record<string, unknown>): StoredRow {
  return { revision: Number(r[cc.revision.name]), resource: String(r[cc.resource.name]), namespace: String(r[cc.namespace.name]), name: String(r[cc.name.name]), code: String(r[cc.type.name]), value: String(r[cc.value.name]) };
}

/**
 * Pack the oldest settled rows after `floor` into a block: BLOCK_ROWS of them, or fewer whose
 * values reach BLOCK_BYTES (large values, such as Helm's release Secrets, would otherwise make
 * one block take long to compress: the event loop waits for it). False when not enough are settled.
 */
export async function packSettledRows(client: Client, floor: number): Promise<boolean> {
  const sizes = await client.execute({ sql: `SELECT ${cc.revision.name}, length(${cc.value.name}) FROM ${C} WHERE ${cc.revision.name} > ? AND ${cc.value.name} != ? ORDER BY ${cc.revision.name} LIMIT ?`, args: [floor, SAME_AS_OBJECT, BLOCK_ROWS] });
  let count = 0;
  let bytes = 0;
  while (count < sizes.rows.length && (count === 0 || bytes + Number(sizes.rows[count]![1]) <= BLOCK_BYTES)) bytes += Number(sizes.rows[count++]![1]);
  if (count === sizes.rows.length && count < BLOCK_ROWS) return false;
  const first = Number(sizes.rows[0]![0]);
  const last = Number(sizes.rows[count - 1]![0]);
  const res = await client.execute({ sql: `SELECT ${rowColumns} FROM ${C} WHERE ${cc.revision.name} BETWEEN ? AND ? AND ${cc.value.name} != ? ORDER BY ${cc.revision.name}`, args: [first, last, SAME_AS_OBJECT] });
  const packed: Packed[] = res.rows.map((r) => toRow(r as unknown as Record<string, unknown>)).map((r) => [r.revision, r.resource, r.namespace, r.name, r.code, r.value]);
  // A single value larger than a block is compressed fast rather than small.
  const data = Bun.deflateSync(Buffer.from(JSON.stringify(packed)), { level: bytes > BLOCK_BYTES ? 1 : 9 });
  const stmts: InStatement[] = [
    { sql: `INSERT INTO ${B} (${bc.last.name}, ${bc.first.name}, ${bc.data.name}) VALUES (?, ?, ?)`, args: [last, first, data] },
    // Exactly the rows read: every settled row in the range was among the oldest settled ones.
    { sql: `DELETE FROM ${C} WHERE ${cc.revision.name} BETWEEN ? AND ? AND ${cc.value.name} != ?`, args: [first, last, SAME_AS_OBJECT] },
  ];
  await client.batch(stmts, "write");
  return true;
}

/** A turn of the event loop. */
export const turn = () => new Promise<void>((r) => setImmediate(r));

/** Every stored change after `floor`, from rows and blocks, oldest first. */
export async function loadStoredChanges(client: Client, floor: number): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  const blocks = await client.execute({ sql: `SELECT ${bc.data.name} FROM ${B} WHERE ${bc.last.name} > ?`, args: [floor] });
  for (const [i, b] of blocks.rows.entries()) {
    // A long history is read while requests wait: let them through now and then.
    if (i % 20 === 19) await turn();
    const data = new Uint8Array(b[0] as ArrayBuffer);
    for (const [revision, resource, namespace, name, code, value] of JSON.parse(Buffer.from(Bun.inflateSync(data)).toString()) as Packed[]) {
      if (revision > floor) out.push({ revision, resource, namespace, name, code, value });
    }
  }
  const rows = await client.execute({ sql: `SELECT ${rowColumns} FROM ${C} WHERE ${cc.revision.name} > ?`, args: [floor] });
  for (const r of rows.rows) out.push(toRow(r as unknown as Record<string, unknown>));
  return out.sort((a, b) => a.revision - b.revision);
}
