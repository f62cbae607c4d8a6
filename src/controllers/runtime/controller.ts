// A level-triggered controller: keys in, one reconcile step per key, retried with
// back-off on failure, everything re-queued on a periodic resync.
import { WorkQueue } from "./work-queue.ts";

export type ReconcileResult = void | { requeueAfterMs?: number };

export type ControllerOptions = {
  name: string;
  reconcile: (key: string) => Promise<ReconcileResult>;
  /** Keys of everything this controller owns, for the periodic resync. */
  allKeys?: () => Iterable<string>;
  resyncMs?: number;
  workers?: number;
  onReconciled?: (name: string, seconds: number, ok: boolean) => void;
};

export class Controller {
  readonly queue = new WorkQueue();
  private resync?: Timer;
  private running: Promise<void>[] = [];

  constructor(readonly opts: ControllerOptions) {}

  enqueue(key: string) {
    this.queue.add(key);
  }

  start() {
    if (this.opts.allKeys) {
      for (const k of this.opts.allKeys()) this.queue.add(k);
      if (this.opts.resyncMs) this.resync = setInterval(() => {
        for (const k of this.opts.allKeys!()) this.queue.add(k);
      }, this.opts.resyncMs);
    }
    for (let i = 0; i < (this.opts.workers ?? 1); i++) this.running.push(this.work());
  }

  private async work() {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const started = performance.now();
      try {
        const r = await this.opts.reconcile(key);
        this.queue.forget(key);
        if (r && r.requeueAfterMs !== undefined) this.queue.addAfter(key, r.requeueAfterMs);
        this.opts.onReconciled?.(this.opts.name, (performance.now() - started) / 1000, true);
      } catch (e) {
        this.opts.onReconciled?.(this.opts.name, (performance.now() - started) / 1000, false);
        if (!isConflictOrGone(e)) console.error(`${this.opts.name}: reconcile ${key}: ${(e as Error).message}`);
        this.queue.retry(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async stop() {
    if (this.resync) clearInterval(this.resync);
    this.queue.stop();
    await Promise.all(this.running);
  }
}

function isConflictOrGone(e: unknown): boolean {
  const code = (e as { code?: number })?.code;
  return code === 409 || code === 404;
}
