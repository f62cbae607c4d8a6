// Idle memory of `skiff server --disable-agent` beside the floor Bun itself sets: compiled
// executables that only run Bun.serve over TLS, and that plus one libsql (or bun:sqlite) database.
// Run: bun test/bench/lib/idle-rss.ts [--no-floor] [runs] [skiff binary...]   (default: one built from src/)
// RSS counts the pages of the executable that were read from its file (RssFile) as well as
// private memory (RssAnon): both are printed, from /proc/PID/status.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { compileExecutable, skiffLayout } from "../../../scripts/build.ts";
import { freeLoopbackPort } from "./free-port.ts";
import { startSkiffServer } from "./skiff-server-process.ts";
import { median } from "./stats.ts";

const IDLE_MS = 3000;
const mb = (kb: number) => (kb / 1024).toFixed(1);

export type Memory = { rssKb: number; anonKb: number; fileKb: number };

/** VmRSS and its parts: private memory (RssAnon) and pages mapped from files (RssFile). */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: field("VmRSS"), anonKb: field("RssAnon"), fileKb: field("RssFile") };
}

type Sample = Memory & { startupMs: number };

/** Spawns a floor executable, waits for its first 200, leaves it idle, reads its memory. */
async function sampleFloor(binary: string, args: (port: number) => string[]): Promise<Sample> {
  const port = freeLoopbackPort();
  const started = performance.now();
  const proc = Bun.spawn([binary, ...args(port)], { stdin: "ignore", stdout: "ignore", stderr: "inherit" });
  try {
    let startupMs = NaN;
    while (Number.isNaN(startupMs)) {
      if (proc.exitCode !== null) throw new Error(`${binary} exited ${proc.exitCode}`);
      try {
        const res = await fetch(`https://127.0.0.1:${port}/readyz`, { tls: { rejectUnauthorized: false } } as RequestInit);
        await res.arrayBuffer();
        if (res.ok) startupMs = performance.now() - started;
      } catch {
        await Bun.sleep(5);
      }
    }
    await Bun.sleep(IDLE_MS);
    return { ...memoryOf(proc.pid), startupMs };
  } finally {
    proc.kill();
    await proc.exited;
  }
}

async function sampleSkiff(binary: string): Promise<Sample> {
  const server = await startSkiffServer({ binary });
  try {
    await Bun.sleep(IDLE_MS);
    return { ...memoryOf(server.pid), startupMs: server.startupMs };
  } finally {
    await server.stop();
  }
}

function report(name: string, samples: Sample[]) {
  const range = (pick: (s: Sample) => number) => {
    const v = samples.map(pick);
    return `${mb(median(v))} (${mb(Math.min(...v))}–${mb(Math.max(...v))})`;
  };
  const ms = samples.map((s) => s.startupMs);
  console.log(`${name.padEnd(32)} RSS ${range((s) => s.rssKb)} MB = private ${range((s) => s.anonKb)} + file-mapped ${range((s) => s.fileKb)}; startup ${median(ms).toFixed(0)} ms (${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)})`);
}

async function repeat(runs: number, fn: () => Promise<Sample>): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const withFloor = !argv.includes("--no-floor");
  const [runsArg, ...givenSkiffs] = argv.filter((a) => a !== "--no-floor");
  const runs = Number(runsArg ?? 3);
  const work = mkdtempSync(join(tmpdir(), "skiff-idle-rss-"));
  try {
    console.log(`load average: ${loadavg().map((v) => v.toFixed(2)).join(" ")}; ${runs} runs each, memory read ${IDLE_MS} ms after ready; figures: median (min–max)`);
    if (withFloor) {
      const cert = join(work, "tls.crt");
      const key = join(work, "tls.key");
      Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], { stderr: "ignore" });
      const build = async (name: string) => (await compileExecutable({ entry: join(import.meta.dir, `rss-floor/${name}.ts`), outfile: join(work, name), arch: "amd64" })).outfile;
      const floorTls = await build("serve-tls");
      const floorDb = await build("serve-tls-libsql");
      const floorBunSqlite = await build("serve-tls-bun-sqlite");
      report("floor: Bun.serve TLS", await repeat(runs, () => sampleFloor(floorTls, (p) => [String(p), cert, key])));
      let db = 0;
      report("floor: Bun.serve TLS + libsql", await repeat(runs, () => sampleFloor(floorDb, (p) => [String(p), cert, key, join(work, `floor-${db++}.db`)])));
      report("floor: Bun.serve TLS + bun:sqlite", await repeat(runs, () => sampleFloor(floorBunSqlite, (p) => [String(p), cert, key, join(work, `floor-${db++}.db`)])));
    }
    const skiffs = givenSkiffs.length > 0 ? givenSkiffs : [(await compileExecutable({ entry: join(import.meta.dir, "../../../src/main.ts"), outfile: join(work, "skiff"), arch: "amd64", ...skiffLayout() })).outfile];
    for (const skiff of skiffs) report(`skiff server ${skiffs.length > 1 ? skiff.split("/").pop() : "--disable-agent"}`, await repeat(runs, () => sampleSkiff(skiff)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
