// The floor with Bun's built-in SQLite instead of libsql: Bun.serve over TLS plus one
// database file, opened and queried once. Shows what the libsql addon itself costs.
// Usage: serve-tls-bun-sqlite PORT CERT KEY DBFILE
import { Database } from "bun:sqlite";

const [port, cert, key, db] = process.argv.slice(2);
const database = new Database(db!, { create: true });
database.run("PRAGMA journal_mode = WAL");
database.run("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)");
database.run("INSERT OR REPLACE INTO t VALUES (?, ?)", ["k", "v"]);
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  tls: { cert: Bun.file(cert!), key: Bun.file(key!) },
  fetch: () => new Response(String(database.query("SELECT count(*) AS n FROM t").get())),
});
