// An HTTP relay in front of one etcd member, for tests that cut one client off etcd while
// the others keep their connection.
import { freePort } from "./server.ts";

/** An HTTP relay to etcd that can be cut (every connection closed, new ones refused) and restored on the same port. */
export function relay(target: string) {
  const port = freePort();
  const start = () =>
    Bun.serve({
      port,
      hostname: "127.0.0.1",
      idleTimeout: 0,
      fetch: async (req) => {
        const url = new URL(req.url);
        const res = await fetch(target + url.pathname, { method: req.method, headers: req.headers, body: await req.arrayBuffer() });
        return new Response(res.body, { status: res.status, headers: res.headers });
      },
    });
  let server: ReturnType<typeof start> | undefined = start();
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      server?.stop(true);
      server = undefined;
    },
    restore() {
      server ??= start();
    },
  };
}
