// What the API port's TLS front costs: the same small handler served by Bun.serve with TLS
// directly (the baseline) and behind startTlsFront (TLS in skiff's own listener, requests
// framed, bytes passed to the handler's loopback port), in interleaved rounds in this process.
// Small POSTs from 8 clients (the shape of API writes) and a 4 MB GET (the shape of a big LIST).
// Run: node_modules/.bin/bun test/bench/tls-front.ts [requests-per-round] [rounds]
import { rmSync } from "node:fs";
import { ensureServerPki } from "../../src/server/pki/ca.ts";
import { startTlsFront } from "../../src/api/http/tls-front.ts";
import { SERVED_METHODS } from "../../src/api/http/app.ts";
import { runConcurrent } from "./lib/concurrent-load.ts";
import { summarize } from "./lib/stats.ts";
import { tempDir } from "../support/server.ts";

const [perRound = 4_000, rounds = 5] = process.argv.slice(2).map(Number);
const CLIENTS = 8;
const BIG = "x".repeat(4 * 2 ** 20);

const dir = tempDir("skiff-bench-front-");
const pki = await ensureServerPki(dir, { hostname: "localhost", bindAddress: "127.0.0.1" });
async function handler(req: Request): Promise<Response> {
  if (req.method === "POST") return new Response(await req.text(), { status: 201, headers: { "Content-Type": "application/json" } });
  return new Response(new URL(req.url).pathname === "/big" ? BIG : "{}", { headers: { "Content-Type": "application/json" } });
}
const direct = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: pki.certPem, key: pki.keyPem }, fetch: handler });
const upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
const front = startTlsFront({
  hostname: "127.0.0.1",
  port: 0,
  tls: { cert: pki.certPem, key: pki.keyPem },
  upstreamPort: upstream.port!,
  methods: SERVED_METHODS,
  maxUrlBytes: 32 * 1024,
  maxHeadBytes: 96 * 1024,
  maxConnectionsPerAddress: 1_000,
  firstRequestSeconds: 10,
});

const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bench", namespace: "default", labels: { app: "bench" } }, data: { key: "v".repeat(200) } });
const tls = { ca: pki.caPem };

async function posts(port: number) {
  const r = await runConcurrent(CLIENTS, perRound, async () => {
    const res = await fetch(`https://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`, { method: "POST", body, headers: { "Content-Type": "application/json" }, tls } as RequestInit);
    if (res.status !== 201) throw new Error(`status ${res.status}`);
    await res.arrayBuffer();
  });
  if (r.failures.length) throw new Error(`failures: ${r.failures.join("; ")}`);
  return { ...summarize(r.latenciesMs), perSecond: (perRound / r.wallMs) * 1000 };
}

async function bigGets(port: number) {
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`https://127.0.0.1:${port}/big`, { tls } as RequestInit);
    const n = (await res.arrayBuffer()).byteLength;
    if (n !== BIG.length) throw new Error(`got ${n} bytes`);
  }
  return (20 * BIG.length) / 2 ** 20 / ((performance.now() - t0) / 1000);
}

const rows: { round: number; side: string; p50: number; p99: number; perSecond: number; mbPerSecond: number }[] = [];
try {
  await posts(direct.port!);
  await posts(front.port); // warm both
  for (let round = 1; round <= rounds; round++) {
    // Alternate which side goes first, so neither always meets the other's leftovers.
    const order = round % 2 ? (["direct", "front"] as const) : (["front", "direct"] as const);
    for (const side of order) {
      const port = side === "direct" ? direct.port! : front.port;
      const p = await posts(port);
      const mbPerSecond = await bigGets(port);
      rows.push({ round, side, p50: p.p50, p99: p.p99, perSecond: p.perSecond, mbPerSecond });
    }
  }
} finally {
  front.stop();
  direct.stop(true);
  upstream.stop(true);
  rmSync(dir, { recursive: true, force: true });
}

const med = (side: string, key: "p50" | "p99" | "perSecond" | "mbPerSecond") => {
  const v = rows.filter((r) => r.side === side).map((r) => r[key]).sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)]!;
};
console.log(`TLS front vs Bun.serve TLS, ${CLIENTS} clients, ${perRound} POSTs and 20 × 4 MiB GETs per side per round, ${rounds} rounds (medians):`);
for (const key of ["p50", "p99", "perSecond", "mbPerSecond"] as const) {
  const d = med("direct", key);
  const f = med("front", key);
  const latency = key === "p50" || key === "p99";
  const unit = key === "perSecond" ? "req/s" : key === "mbPerSecond" ? "MiB/s" : "ms";
  const digits = latency ? 3 : 0;
  console.log(`  ${key.padEnd(11)} direct ${d.toFixed(digits)} ${unit}, front ${f.toFixed(digits)} ${unit}: ${(f / d).toFixed(2)}×${latency ? ` (${f >= d ? "+" : ""}${(f - d).toFixed(3)} ms)` : ""}`);
}
