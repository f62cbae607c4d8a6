// Waits until the machine is quiet (the benches of others share its cores): the CPU time
// all processes used over a short window, from /proc/stat, under a bound. Gives up after
// `maxWaitMs` and says so, so a busy machine slows a run but never hangs it.
import { readFileSync } from "node:fs";

function busyAndTotal(): [number, number] {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return [total - idle, total];
}

/** Busy share of all cores (0..1) over `ms`. */
export async function busyShare(ms: number): Promise<number> {
  const [b0, t0] = busyAndTotal();
  await Bun.sleep(ms);
  const [b1, t1] = busyAndTotal();
  return t1 > t0 ? (b1 - b0) / (t1 - t0) : 0;
}

export const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/** Resolves once a 2 s window shows the cores at most `maxBusy` busy; returns what it saw last. */
export async function waitForQuiet(opts: { maxBusy?: number; maxWaitMs?: number; log?: (line: string) => void } = {}): Promise<{ busy: number; waitedMs: number; quiet: boolean }> {
  const maxBusy = opts.maxBusy ?? 0.15;
  const t0 = Date.now();
  for (;;) {
    const busy = await busyShare(2000);
    const waitedMs = Date.now() - t0;
    if (busy <= maxBusy) return { busy, waitedMs, quiet: true };
    if (waitedMs > (opts.maxWaitMs ?? 60_000)) {
      opts.log?.(`machine still ${(busy * 100).toFixed(0)} % busy after ${(waitedMs / 1000).toFixed(0)} s (load ${loadAverage()}); measuring anyway`);
      return { busy, waitedMs, quiet: false };
    }
  }
}
