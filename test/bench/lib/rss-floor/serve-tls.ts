// The floor of idle memory: a compiled Bun executable that only answers /readyz over TLS.
// Usage: serve-tls PORT CERT KEY
const [port, cert, key] = process.argv.slice(2);
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  tls: { cert: Bun.file(cert!), key: Bun.file(key!) },
  fetch: () => new Response("ok"),
});
