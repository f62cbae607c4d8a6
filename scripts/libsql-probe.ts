// A tiny program that proves a compiled executable carries libsql's native addon:
// it opens (creates) an SQLite file through @libsql/client, the way skiff's store does,
// writes a row, reads it back and prints it.
// Usage: libsql-probe DIR   → prints `libsql ok: <value>` and exits 0.
import { createClient } from "@libsql/client";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: libsql-probe DIR");
  process.exit(2);
}
const client = createClient({ url: `file:${join(dir, "probe.db")}` });
await client.execute("CREATE TABLE IF NOT EXISTS probe (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
await client.execute({ sql: "INSERT OR REPLACE INTO probe (k, v) VALUES (?, ?)", args: ["greeting", `written by ${process.arch}`] });
const rows = await client.execute({ sql: "SELECT v FROM probe WHERE k = ?", args: ["greeting"] });
client.close();
console.log(`libsql ok: ${rows.rows[0]?.v}`);
