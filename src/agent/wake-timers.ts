// Delayed wake-ups keyed by pod: at most one pending per key, the earliest asked for. A
// worker may ask many times per pass (one per probe, per back-off, per retry); they collapse
// into one timer instead of piling up, and firing or replacing one costs O(1).
export class WakeTimers {
  private readonly due = new Map<string, { at: number; timer: Timer }>();

  constructor(private readonly fire: (key: string) => void) {}

  /** Fire for `key` in `afterMs`, unless a wake-up at least as early is already pending. */
  schedule(key: string, afterMs: number): void {
    const at = Date.now() + afterMs;
    const pending = this.due.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      if (this.due.get(key)?.timer === timer) this.due.delete(key);
      this.fire(key);
    }, afterMs);
    this.due.set(key, { at, timer });
  }

  /** Pending wake-ups (one per key at most). */
  get size(): number {
    return this.due.size;
  }

  clear(): void {
    for (const { timer } of this.due.values()) clearTimeout(timer);
    this.due.clear();
  }
}
