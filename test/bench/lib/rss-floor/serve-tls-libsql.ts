// The floor with a database: Bun.serve over TLS plus one libsql SQLite file, opened and
// queried once, as the server's store does.
// Usage: serve-tls-libsql PORT CERT KEY DBFILE
import { createClient } from "@libsql/client";

const [port, cert, key, db] = process.argv.slice(2);
const client = createClient({ url: `file:${db}` });
await client.execute("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT)");
await client.execute({ sql: "INSERT OR REPLACE INTO t VALUES (?, ?)", args: ["k", "v"] });
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  tls: { cert: Bun.file(cert!), key: Bun.file(key!) },
  fetch: async () => new Response(String((await client.execute("SELECT count(*) AS n FROM t")).rows[0]?.n)),
});
