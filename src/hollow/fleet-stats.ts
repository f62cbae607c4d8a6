// What a hollow fleet counts and times, printed as one JSON line per interval so that a
// benchmark reading the process's output sees the agents' side of the wire.

/** Latencies of one kind of request since the last report, in ms. */
class Samples {
  private values: number[] = [];
  add(ms: number) {
    // Bounded: a report summarises at most the last 100,000 of an interval.
    if (this.values.length >= 100_000) this.values[Math.floor(Math.random() * 100_000)] = ms;
    else this.values.push(ms);
  }
  take(): { n: number; p50: number; p99: number; max: number } | undefined {
    const v = this.values.sort((a, b) => a - b);
    this.values = [];
    if (!v.length) return undefined;
    const at = (q: number) => Math.round(v[Math.min(v.length - 1, Math.floor(q * v.length))]!);
    return { n: v.length, p50: at(0.5), p99: at(0.99), max: Math.round(v.at(-1)!) };
  }
}

export class FleetStats {
  joined = 0;
  registered = 0;
  joinFailures = 0;
  leaseRenewals = 0;
  leaseFailures = 0;
  /** Successive successful renewals of one node further apart than the server's grace period. */
  leaseMisses = 0;
  watching = 0;
  watchErrors = 0;
  podsRunning = 0;
  requestErrors = 0;
  private readonly latency = new Map<string, Samples>();

  record(kind: string, ms: number) {
    let s = this.latency.get(kind);
    if (!s) this.latency.set(kind, (s = new Samples()));
    s.add(ms);
  }

  /** The counters and the latencies since the previous report. */
  report(): Record<string, unknown> {
    const latency: Record<string, unknown> = {};
    for (const [kind, s] of this.latency) {
      const taken = s.take();
      if (taken) latency[kind] = taken;
    }
    const { latency: _, ...counters } = this as unknown as Record<string, unknown>;
    return { t: Date.now(), ...counters, latency };
  }
}
