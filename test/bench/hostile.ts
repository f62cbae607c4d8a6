// Hostile-request benchmark (a script, not part of the pass/fail suite): the compiled
// `skiff server` on loopback gets 1,000 well-formed requests (the baseline), then 1,000
// malformed ones (bad Host, no Host, bad percent-encoding, unknown and lowercase methods,
// 60 KB URLs, 80 KB and 200 KB headers), each on its own TLS connection, 8 at a time.
// It prints the server's RSS after each phase and /readyz latency before and after.
// Run: bun test/bench/hostile.ts [rounds]  (rounds > 1: the malformed flood again, RSS after each,
// to tell memory the allocator keeps for reuse from memory that keeps growing)
import { rawRequest } from "../support/raw-tls.ts";
import { ensureFreshSkiffBinary } from "./lib/skiff-binary.ts";
import { startSkiffServer, type SkiffServer } from "./lib/skiff-server-process.ts";
import { median } from "./lib/stats.ts";

const REQUESTS = 1_000;
const ROUNDS = Math.max(1, Number(process.argv[2] ?? 1));
const PARALLEL = 8;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function malformed(token: string): string[] {
  const line = (target: string, headers: string, method = "GET", version = "HTTP/1.1") => `${method} ${target} ${version}\r\n${headers}Connection: close\r\n\r\n`;
  const host = "Host: 127.0.0.1\r\n";
  const auth = `${host}Authorization: Bearer ${token}\r\n`;
  return [
    line("/livez", "Host: a b\r\n"),
    line("/livez", "", "GET", "HTTP/1.0"),
    line("/api/v1/namespaces/default/configmaps/%", host),
    line("/api/v1/%ff%fe", auth),
    line("/livez", host, "FOO"),
    line("/livez", host, "get"),
    line("/api/v1/namespaces", auth, "PROPFIND"),
    line(`/api/v1/namespaces?labelSelector=${"a".repeat(60_000)}`, host),
    line("/livez", `${host}X-Big: ${"b".repeat(80_000)}\r\n`),
    line("/livez", `${host}X-Big: ${"b".repeat(200_000)}\r\n`),
  ];
}

/** Sends `count` requests taken round-robin from `requests`, PARALLEL at a time; returns the status counts. */
async function flood(port: number, requests: string[], count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const request = requests[next++ % requests.length]!;
      const reply = await rawRequest(port, request, 5_000).catch(() => ({ status: -1 }));
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return statuses;
}

async function readyzLatency(server: SkiffServer, samples = 50): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    const res = await server.api("/readyz");
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/readyz answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return median(times);
}

const binary = await ensureFreshSkiffBinary(console.log);
const server = await startSkiffServer({ binary });
try {
  const port = Number(new URL(server.url).port);
  await Bun.sleep(3_000);
  const rss0 = server.rssBytes();
  const ready0 = await readyzLatency(server);

  const wellFormed = await flood(port, ["GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"], REQUESTS);
  const rss1 = server.rssBytes();
  const bad = await flood(port, malformed(server.token), REQUESTS);
  const rss2 = server.rssBytes();
  const ready2 = await readyzLatency(server);

  const fmt = (m: Map<number, number>) => [...m].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s === 0 ? "closed" : s}×${n}`).join(" ");
  console.log(`well-formed ${REQUESTS}: ${fmt(wellFormed)}`);
  console.log(`malformed   ${REQUESTS}: ${fmt(bad)}`);
  console.log(`RSS idle ${mb(rss0)} MB → after ${REQUESTS} well-formed ${mb(rss1)} MB (+${mb(rss1 - rss0)}) → after ${REQUESTS} malformed ${mb(rss2)} MB (+${mb(rss2 - rss1)})`);
  console.log(`growth malformed / well-formed: ${((rss2 - rss1) / Math.max(rss1 - rss0, 1)).toFixed(2)}`);
  console.log(`/readyz median ${ready0.toFixed(2)} ms before, ${ready2.toFixed(2)} ms after (ratio ${(ready2 / ready0).toFixed(2)})`);
  let last = rss2;
  for (let round = 2; round <= ROUNDS; round++) {
    const again = await flood(port, malformed(server.token), REQUESTS);
    const rss = server.rssBytes();
    console.log(`malformed round ${round}: ${fmt(again)}; RSS ${mb(rss)} MB (${rss >= last ? "+" : ""}${mb(rss - last)})`);
    last = rss;
  }
  if (!/ready at/.test(server.output()) && server.output().includes("DevErrorPage")) throw new Error("Bun's development page appeared");
} finally {
  await server.stop();
}
