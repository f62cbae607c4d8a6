// The baseline: a trivial Bun HTTPS server in the benchmark's own process, with the same
// certificate as the skiff server, so TLS, HTTP and client costs are the same on both
// sides and the difference is the API server's own work.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type EchoServer = {
  url: string;
  caPem: string;
  /** The body GET answers with (set to a LIST's size to compare the transfer alone). */
  setGetBody(body: string): void;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): void;
};

/** Serves on 127.0.0.1 with `dataDir`'s serving certificate: POST echoes its body back with 201, GET returns the set body. */
export function startEchoServer(skiffDataDir: string): EchoServer {
  const tls = join(skiffDataDir, "server/tls");
  const caPem = readFileSync(join(tls, "ca.crt"), "utf8");
  let getBody = "{}";
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: readFileSync(join(tls, "serving.crt"), "utf8"), key: readFileSync(join(tls, "serving.key"), "utf8") },
    async fetch(req) {
      if (req.method === "POST" || req.method === "PUT" || req.method === "PATCH") {
        return new Response(await req.text(), { status: 201, headers: { "Content-Type": "application/json" } });
      }
      return new Response(getBody, { headers: { "Content-Type": "application/json" } });
    },
  });
  const url = `https://127.0.0.1:${server.port}`;
  return {
    url,
    caPem,
    setGetBody(body) {
      getBody = body;
    },
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      // The same header set the API client sends.
      headers.set("Authorization", "Bearer echo");
      if (init.body !== undefined && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
      return fetch(url + path, { ...init, headers, tls: { ca: caPem } } as RequestInit);
    },
    stop() {
      server.stop(true);
    },
  };
}
