// How much change history the store keeps for watch resume: at least the newest
// `minChanges` changes and every change younger than `minAgeMs` (upstream keeps five
// minutes of history), whichever is more, but never more than `maxChanges` (a write
// storm must not hold unbounded history in memory or on disk).
//
// Change rows carry no time. The window samples (time, revision) pairs instead, at most
// one a second: a sample says "every change up to this revision existed at this time".
// A change not yet covered by an old enough sample counts as young, so history is only
// ever kept too long, never dropped too early; after a restart everything loaded counts
// as written at the start.
import { countAtMost } from "./sorted.ts";

export type RetentionOptions = { minChanges: number; minAgeMs: number; maxChanges?: number; now?: () => number };

const SAMPLE_EVERY_MS = 1000;

export class RetentionWindow {
  readonly minChanges: number;
  private readonly minAgeMs: number;
  private readonly maxChanges: number;
  private readonly now: () => number;
  private samples: { at: number; revision: number }[] = [];

  constructor(opts: RetentionOptions) {
    this.minChanges = opts.minChanges;
    this.minAgeMs = opts.minAgeMs;
    this.maxChanges = Math.max(opts.maxChanges ?? 100_000, opts.minChanges);
    this.now = opts.now ?? Date.now;
  }

  /** Every change up to `revision` exists now. */
  mark(revision: number): void {
    if (this.minAgeMs <= 0) return;
    const at = this.now();
    const last = this.samples[this.samples.length - 1];
    if (last && at - last.at < SAMPLE_EVERY_MS) return;
    this.samples.push({ at, revision });
    // Keep only one sample older than the window: it alone decides the cut.
    const old = this.firstYoung(at - this.minAgeMs) - 1;
    if (old > 0) this.samples.splice(0, old);
  }

  /** Changes at or below the returned revision may be dropped, the newest being `revision`. */
  cut(revision: number): number {
    const byCount = revision - this.minChanges;
    const cap = revision - this.maxChanges;
    if (this.minAgeMs <= 0) return byCount;
    const i = this.firstYoung(this.now() - this.minAgeMs) - 1;
    const byAge = i >= 0 ? this.samples[i]!.revision : 0;
    return Math.max(cap, Math.min(byCount, byAge));
  }

  // Samples are in time order: the index of the first one younger than `cutoff`.
  private firstYoung(cutoff: number): number {
    return countAtMost(this.samples, cutoff, (s) => s.at);
  }
}
