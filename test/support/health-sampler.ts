// Runs inside a test's network namespace (nsenter … bun health-sampler.ts) and prints one JSON
// line per sample: how long the server's /readyz took, the event-loop lag histogram from its
// /metrics, and the agent's pending wake-ups from the agent's /metrics (both scraped without a
// token: start the server with --metrics-anonymous), and the sampler's own lag as a control. Stops by itself after --samples, or
// at 1.5 times the planned duration when the server answers slowly.
//   bun health-sampler.ts --server https://127.0.0.1:6443 --agent https://127.0.0.1:10250 --every 2000 --samples 30
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { registerEventLoopLag } from "../../src/metrics/event-loop-lag.ts";

export type LagHistogram = { buckets: [number, number][]; count: number; sum: number; max: number };
export type HealthSample = {
  at: number;
  /** Milliseconds; null when /readyz did not answer 200 within the timeout. */
  readyzMs: number | null;
  lag: LagHistogram | null;
  pendingWakes: number | null;
  /** This sampler's own lag (same histogram): what the machine alone costs a nearly idle process. */
  controlLag?: LagHistogram | null;
  /** Agent-side series worth a look afterwards (prober_probe_total lines). */
  probeLines?: string[];
};

/** The cumulative skiff_event_loop_lag_seconds histogram from an exposition text. */
export function parseLag(text: string): LagHistogram | null {
  const buckets: [number, number][] = [];
  for (const m of text.matchAll(/^skiff_event_loop_lag_seconds_bucket\{le="([^"]+)"[^}]*\} (\S+)$/gm)) buckets.push([m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2])]);
  const count = /^skiff_event_loop_lag_seconds_count(?:\{[^}]*\})? (\S+)$/m.exec(text);
  const sum = /^skiff_event_loop_lag_seconds_sum(?:\{[^}]*\})? (\S+)$/m.exec(text);
  const max = /^skiff_event_loop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!buckets.length || !count || !sum) return null;
  return { buckets, count: Number(count[1]), sum: Number(sum[1]), max: Number(max?.[1] ?? NaN) };
}

/** The q-quantile of the lag observed between two readings: the upper bound of its bucket (seconds). */
export function lagQuantileBetween(a: LagHistogram, b: LagHistogram, q: number): number {
  const total = b.count - a.count;
  if (total <= 0) return 0;
  for (let i = 0; i < b.buckets.length; i++) {
    const n = b.buckets[i]![1] - (a.buckets[i]?.[1] ?? 0);
    if (n >= q * total) return b.buckets[i]![0];
  }
  return Infinity;
}

/** Runs this file under `prefix` (nsenter into the test's namespace); its samples come back when it ends or is stopped. */
export function startHealthSampler(prefix: string[], opts: { server: string; agent?: string; everyMs: number; samples: number; timeoutMs?: number }) {
  const bun = join(import.meta.dir, "../../node_modules/.bin/bun");
  const args = ["--server", opts.server, "--every", String(opts.everyMs), "--samples", String(opts.samples), "--timeout", String(opts.timeoutMs ?? 5000), ...(opts.agent ? ["--agent", opts.agent] : [])];
  const proc = Bun.spawn([...prefix, bun, import.meta.path, ...args], { stdout: "pipe", stderr: "inherit" });
  const out = new Response(proc.stdout).text();
  const finished = async (): Promise<HealthSample[]> => {
    await proc.exited;
    return (await out).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as HealthSample);
  };
  return {
    finished,
    stop(): Promise<HealthSample[]> {
      proc.kill("SIGTERM");
      return finished();
    },
  };
}

async function get(url: string, timeoutMs: number): Promise<{ status: number; text: string; ms: number } | null> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), tls: { rejectUnauthorized: false } } as RequestInit);
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - t0 };
  } catch {
    return null;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { server: { type: "string" }, agent: { type: "string" }, every: { type: "string", default: "2000" }, samples: { type: "string", default: "30" }, timeout: { type: "string", default: "20000" } } });
  const every = Number(values.every);
  const timeout = Number(values.timeout);
  const control = new Registry();
  registerEventLoopLag(control);
  const samples = Number(values.samples);
  // A server that stops answering must not hold the caller: give up at 1.5 × the planned time.
  const deadline = Date.now() + samples * every * 1.5 + timeout;
  for (let i = 0; i < samples && Date.now() < deadline; i++) {
    const started = Date.now();
    const ready = await get(`${values.server}/readyz`, timeout);
    const metrics = await get(`${values.server}/metrics`, timeout);
    const agent = values.agent ? await get(`${values.agent}/metrics`, timeout) : null;
    const pending = agent ? /^skiff_agent_pending_wakes(?:\{[^}]*\})? (\S+)$/m.exec(agent.text) : null;
    const sample: HealthSample = {
      at: started,
      readyzMs: ready?.status === 200 ? ready.ms : null,
      lag: metrics?.status === 200 ? parseLag(metrics.text) : null,
      pendingWakes: pending ? Number(pending[1]) : null,
      controlLag: parseLag(await control.metrics()),
      probeLines: agent?.text.split("\n").filter((l) => l.startsWith("prober_probe_total{")),
    };
    console.log(JSON.stringify(sample));
    await Bun.sleep(Math.max(0, every - (Date.now() - started)));
  }
}
