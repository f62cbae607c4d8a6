// The workload every stack of the churn benchmark runs: N replicas of the busybox test image
// whose process exits on SIGTERM (a shell that traps it and waits on a sleep), so a stop
// measures the orchestrator, not a grace period running out.
export const CHURN_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];
export const CHURN_NAME = "churn";
/** A rolling update replaces at most this many at a time, none unavailable (skiff maxSurge / Swarm update-parallelism). */
export const ROLL_BATCH = 5;

/** Per-operation figures a stack reports: wall time, plus whatever breakdown it can tell. */
export type OpResult = { ms: number; breakdown?: string[] };

export interface ChurnStack {
  readonly name: string;
  deploy(replicas: number): Promise<OpResult>;
  roll(): Promise<OpResult>;
  stop(): Promise<OpResult>;
  /** Removes what a round left (the stopped service or deployment) so the next round starts clean. */
  reset(): Promise<void>;
  /** The stack's processes now (for CPU and memory figures). */
  pids(): number[];
  close(): Promise<void>;
}

/** Polls `done` every `everyMs` until true; throws after `limitMs`. */
export async function until(what: string, done: () => Promise<boolean>, limitMs = 300_000, everyMs = 100): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs / 1000} s waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}
