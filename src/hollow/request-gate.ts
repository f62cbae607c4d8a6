// Bounds the requests a hollow fleet has in flight, so thousands of agents share a small
// pool of keep-alive connections (as many real agents behind one NAT would not, but the
// server sees the same requests) and the process stays within its descriptor limit: one
// watch connection per agent plus at most `limit` request connections per gate.
import type { FleetStats } from "./fleet-stats.ts";

export class RequestGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly stats: FleetStats,
  ) {}

  /** Runs `call` when a slot is free; its latency (from the moment it is sent) is recorded under `kind`. */
  async run<T>(kind: string, call: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.stats.record(kind, performance.now() - started);
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
