// A deduplicating work queue with per-key retry back-off, as client-go's: a key is
// processed by one worker at a time, and a key added while it is processed runs again after.
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirtyWhileActive = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: (() => void)[] = [];
  /** At most one delayed add per key, the earliest (as client-go's delaying queue). */
  private readonly timers = new Map<string, { timer: Timer; at: number }>();
  private stopped = false;

  constructor(
    private readonly baseDelayMs = 5,
    private readonly maxDelayMs = 30_000,
  ) {}

  get depth(): number {
    return this.pending.size;
  }

  /** Keys waiting for a delayed add (a requeue or a retry). */
  get delayed(): number {
    return this.timers.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirtyWhileActive.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    const prior = this.timers.get(key);
    if (prior && prior.at <= at) return;
    if (prior) clearTimeout(prior.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { timer, at });
  }

  /** Retry with exponential back-off after a failure. */
  retry(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1)));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, or undefined once stopped. Call done(key) after processing it. */
  async get(): Promise<string | undefined> {
    while (!this.stopped) {
      const first = this.pending.values().next();
      if (!first.done) {
        const key = first.value;
        this.pending.delete(key);
        this.active.add(key);
        return key;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return undefined;
  }

  done(key: string): void {
    this.active.delete(key);
    if (this.dirtyWhileActive.delete(key)) this.add(key);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
  }
}
