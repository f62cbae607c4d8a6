// What a start has started so far, to be closed in reverse order: when a later step of the
// start fails, when a signal interrupts it, and on a normal stop. A closer that fails or
// hangs is reported and skipped, so one stuck part never keeps the others (the store's
// last checkpoint above all) from closing.

export class StartInterrupted extends Error {
  constructor() {
    super("stopped while starting");
  }
}

type Closer = { name: string; close: () => unknown };

export class Closers {
  private readonly stack: Closer[] = [];
  private closing?: Promise<void>;

  constructor(
    private readonly log: (line: string) => void = () => {},
    private readonly timeoutMs = 3000,
  ) {}

  /** True once closing began: a start still running must not go on. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Registers what was just started; once closing began it is closed at once instead (a start that outran a stop). */
  add(name: string, close: () => unknown): void {
    if (!this.closing) {
      this.stack.push({ name, close });
      return;
    }
    void this.closing.then(() => this.closeOne({ name, close }));
  }

  /** Closes everything in reverse order of start, once; later calls wait for the same closing. */
  closeAll(): Promise<void> {
    this.closing ??= (async () => {
      for (let c = this.stack.pop(); c; c = this.stack.pop()) await this.closeOne(c);
    })();
    return this.closing;
  }

  private async closeOne(c: Closer): Promise<void> {
    let timer: Timer | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), this.timeoutMs)));
    try {
      const r = await Promise.race([Promise.resolve().then(c.close), late]);
      if (r === "late") this.log(`${c.name} did not stop within ${this.timeoutMs} ms; going on without it`);
    } catch (e) {
      this.log(`${c.name} did not stop cleanly: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Awaits one step of a start, but gives up as soon as `signal` aborts (a stop, a signal): a
 * step stuck on a dead peer or a hung command must not hold the start, whose closers then run.
 */
export async function unlessAborted<T>(signal: AbortSignal | undefined, step: Promise<T> | T): Promise<T> {
  if (!signal) return step;
  if (signal.aborted) {
    void Promise.resolve(step).catch(() => {});
    throw new StartInterrupted();
  }
  const { promise, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(new StartInterrupted());
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await Promise.race([step, promise]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Sleeps `ms`, or less when `signal` aborts: a retry loop's wait must not hold up a stop. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
