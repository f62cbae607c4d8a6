// The store's tables. This file is the truth for their shape; `ddl` creates them and a
// unit test checks that it matches the drizzle declarations.
import { blob, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Live objects, one row each, keyed by resource ("apps/deployments"), namespace ("" when cluster-scoped) and name. */
export const objects = sqliteTable(
  "objects",
  {
    resource: text("resource").notNull(),
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    revision: integer("revision").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.resource, t.namespace, t.name] })],
);

/**
 * The change log that feeds watch resume; compaction prunes it. `type` is a code of
 * change-codes.ts (which also says whether `value` is a full value or a reverse delta).
 */
export const changes = sqliteTable("changes", {
  revision: integer("revision").primaryKey(),
  resource: text("resource").notNull(),
  namespace: text("namespace").notNull(),
  name: text("name").notNull(),
  type: text("type").notNull(),
  value: text("value").notNull(),
});

/**
 * Settled change rows (values that will not change again), packed many to a compressed
 * block by compaction: row overhead and repeated names would otherwise outweigh the deltas.
 * A block holds rows from `first` to `last`, not every revision between (see history-blocks.ts).
 */
export const historyBlocks = sqliteTable("history_blocks", {
  last: integer("last").primaryKey(),
  first: integer("first").notNull(),
  data: blob("data", { mode: "buffer" }).notNull(),
});

/** Counters that must survive restarts: the current and the compacted revision. */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: integer("value").notNull(),
});

export const ddl = [
  `CREATE TABLE IF NOT EXISTS objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS changes (revision INTEGER PRIMARY KEY, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS history_blocks (last INTEGER PRIMARY KEY, first INTEGER NOT NULL, data BLOB NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
];
