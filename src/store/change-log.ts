// The in-memory tail of the change log: the newest changes, for watch resume without a
// database read. Only a small tail is held (each change holds a whole object, and
// superseded versions are distinct objects); the retention window's older history stays
// in the database and is rebuilt from there on demand. Trimmed once it holds twice its
// capacity, so trimming costs O(1) per change on average.
import type { Change } from "./store.ts";
import { countAtMost } from "./sorted.ts";

export class ChangeLog {
  private entries: Change[] = [];

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.entries.length;
  }

  get oldest(): Change | undefined {
    return this.entries[0];
  }

  push(c: Change): void {
    this.entries.push(c);
    if (this.entries.length > 2 * this.capacity) this.dropOldest(this.entries.length - this.capacity);
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
