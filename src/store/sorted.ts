// Binary search over lists kept in ascending order (change revisions, sample times).

/** How many leading items of `items` (ascending by `valueOf`) have a value at or below `limit`. */
export function countAtMost<T>(items: readonly T[], limit: number, valueOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (valueOf(items[mid]!) <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
