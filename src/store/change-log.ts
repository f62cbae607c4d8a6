// The in-memory tail of the change log, for watch resume. Bounded: between compactions
// it keeps at most twice `retain` changes, dropping down to `retain` when full (older
// changes stay in the database until compaction), so trimming costs O(1) per change.
import type { Change } from "./store.ts";

export class ChangeLog {
  private entries: Change[] = [];

  constructor(private readonly retain: number) {}

  get length(): number {
    return this.entries.length;
  }

  get oldest(): Change | undefined {
    return this.entries[0];
  }

  push(c: Change): void {
    this.entries.push(c);
    if (this.entries.length > this.retain * 2) this.dropOldest(this.entries.length - this.retain);
  }

  /** Drop the `count` oldest changes. */
  dropOldest(count: number): void {
    this.entries.splice(0, count);
  }

  /** How many of the oldest changes have a revision at or below `revision`. */
  countUpTo(revision: number): number {
    return this.firstAfter(revision);
  }

  /** Changes after `revision`, oldest first. */
  since(revision: number): Change[] {
    return this.entries.slice(this.firstAfter(revision));
  }

  // Entries are sorted by revision: binary search for the first one after `revision`.
  private firstAfter(revision: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
