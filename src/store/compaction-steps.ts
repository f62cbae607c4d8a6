// Compaction as small steps. A file database runs each SQLite call on the main thread, so
// one large DELETE, vacuum or checkpoint stalls every request; each step here does a bounded
// amount of work (a few ms) and the store runs them one at a time between group commits,
// yielding to the event loop in between.
import type { Client } from "@libsql/client";
import { getTableName } from "drizzle-orm";
import { changes, historyBlocks, meta } from "./schema.ts";

/** Change rows deleted per step. */
export const ROWS_PER_STEP = 1000;
/** History blocks (up to 500 changes each) deleted per step. */
export const BLOCKS_PER_STEP = 8;
/** Free pages handed back to the file system per step. */
export const PAGES_PER_STEP = 128;

const C = getTableName(changes);
const B = getTableName(historyBlocks);
const M = getTableName(meta);

/** Record the compacted revision first: a crash between the deletions never serves a partly dropped range. */
export async function markCompacted(client: Client, cut: number): Promise<void> {
  await client.execute({ sql: `INSERT INTO ${M} (${meta.key.name}, ${meta.value.name}) VALUES ('compacted', ?) ON CONFLICT (${meta.key.name}) DO UPDATE SET ${meta.value.name} = excluded.${meta.value.name}`, args: [cut] });
}

/** Delete up to ROWS_PER_STEP of the oldest change rows at or below `cut`; how many went. */
export async function dropOldRows(client: Client, cut: number): Promise<number> {
  const r = changes.revision.name;
  const res = await client.execute({ sql: `DELETE FROM ${C} WHERE ${r} IN (SELECT ${r} FROM ${C} WHERE ${r} <= ? ORDER BY ${r} LIMIT ?)`, args: [cut, ROWS_PER_STEP] });
  return res.rowsAffected;
}

/** Delete up to BLOCKS_PER_STEP of the blocks whose every change is at or below `cut`; how many went. */
export async function dropOldBlocks(client: Client, cut: number): Promise<number> {
  const l = historyBlocks.last.name;
  const res = await client.execute({ sql: `DELETE FROM ${B} WHERE ${l} IN (SELECT ${l} FROM ${B} WHERE ${l} <= ? ORDER BY ${l} LIMIT ?)`, args: [cut, BLOCKS_PER_STEP] });
  return res.rowsAffected;
}

const freePages = async (client: Client) => Number((await client.execute("PRAGMA freelist_count")).rows[0]?.[0] ?? 0);

/** Hand up to PAGES_PER_STEP free pages back; true while free pages remain and the last step freed some. */
export async function vacuumStep(client: Client): Promise<boolean> {
  const before = await freePages(client);
  if (before === 0) return false;
  // exec steps the pragma to completion (it frees one page per step).
  await client.executeMultiple(`PRAGMA incremental_vacuum(${PAGES_PER_STEP});`);
  const after = await freePages(client);
  // A database made without incremental auto-vacuum frees nothing: stop rather than spin.
  return after > 0 && after < before;
}

/**
 * Copy what the WAL holds into the database, then cut the WAL file back to nothing. SQLite's
 * own checkpoints (every 1,000 pages) keep the copy short; once it is done, the TRUNCATE
 * checkpoint has nothing left to copy and only shortens the file.
 */
export async function checkpoint(client: Client): Promise<void> {
  await client.execute("PRAGMA wal_checkpoint(PASSIVE)");
}

export async function truncateWal(client: Client): Promise<void> {
  await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
}
