// A tiny program that proves a compiled executable carries libsql's native addon: it
// opens (or creates) an SQLite file through @libsql/client, the way skiff's store does,
// adds a row and counts the rows, so a second run shows the first run's row persisted.
// Usage: libsql-probe DIR   → prints `libsql ok: N rows (<cpu>)` and exits 0.
import { createClient } from "@libsql/client";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: libsql-probe DIR");
  process.exit(2);
}
const client = createClient({ url: `file:${join(dir, "probe.db")}` });
await client.execute("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, cpu TEXT NOT NULL)");
await client.execute({ sql: "INSERT INTO probe (cpu) VALUES (?)", args: [process.arch] });
const { rows } = await client.execute("SELECT count(*) AS n FROM probe");
client.close();
console.log(`libsql ok: ${rows[0]?.n} rows (${process.arch})`);
