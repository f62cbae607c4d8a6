// Upstream's container restart back-off: the first restart is immediate, then 10 s,
// doubling up to 5 minutes; a container that ran 10 minutes without trouble starts over.
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
const RESET_AFTER_MS = 600_000;

export class Backoff {
  private readonly entries = new Map<string, { delayMs: number; at: number }>();

  constructor(
    private readonly initialMs = BACKOFF_INITIAL_MS,
    private readonly maxMs = BACKOFF_MAX_MS,
  ) {}

  /** Milliseconds still to wait before `key` may restart (0: go now). */
  remaining(key: string, now: number): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    if (now - e.at > RESET_AFTER_MS) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, e.at + e.delayMs - now);
  }

  /** Record a restart now, lengthening the next wait. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    const delayMs = e && now - e.at <= RESET_AFTER_MS ? Math.min(e.delayMs * 2, this.maxMs) : this.initialMs;
    this.entries.set(key, { delayMs: e ? delayMs : this.initialMs, at: now });
  }

  current(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  forget(prefix: string) {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
