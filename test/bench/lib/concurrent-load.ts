// A fixed number of operations shared by a fixed number of clients, each with one request
// in flight at a time: the shape of N independent API clients.

export type LoadResult = { latenciesMs: number[]; failures: string[]; wallMs: number };

/**
 * Runs `op(i)` for i in [0, total) from `clients` concurrent loops and times each call.
 * An op that throws counts as a failure (its message kept, at most 20 of them) and is not retried.
 */
export async function runConcurrent(clients: number, total: number, op: (i: number) => Promise<void>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        try {
          await op(i);
          latenciesMs.push(performance.now() - t0);
        } catch (e) {
          if (++failed <= 20) failures.push((e as Error).message);
        }
      }
    }),
  );
  if (failed > 20) failures.push(`… and ${failed - 20} more`);
  return { latenciesMs, failures, wallMs: performance.now() - started };
}
