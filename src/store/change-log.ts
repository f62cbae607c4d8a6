// The in-memory tail of the change log, for watch resume. Bounded by the retention
// window: it is trimmed to the window only once it has grown by `minChanges` since the
// last trim (older changes stay in the database until compaction), so trimming costs
// O(1) per change on average.
import type { Change } from "./store.ts";
import type { RetentionWindow } from "./retention.ts";
import { countAtMost } from "./sorted.ts";

export class ChangeLog {
  private entries: Change[] = [];
  private trimAt: number;

  constructor(private readonly window: RetentionWindow) {
    this.trimAt = window.minChanges * 2;
  }

  get length(): number {
    return this.entries.length;
  }

  get oldest(): Change | undefined {
    return this.entries[0];
  }

  push(c: Change): void {
    this.entries.push(c);
    if (this.entries.length > this.trimAt) {
      this.dropOldest(this.countUpTo(this.window.cut(c.revision)));
      this.trimAt = this.entries.length + Math.max(this.window.minChanges, 1);
    }
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

  private firstAfter(revision: number): number {
    return countAtMost(this.entries, revision, (c) => c.revision);
  }
}
