// When the server pulls the agents' resource figures. Both the pull and the HPA sync run
// on timers of the same period by default (15 s); started together, each pull would land
// just after a sync and every reading would wait a whole period before the HPA sees it.
// Pulling a little before each sync hands the controller figures a few seconds old.

/** Delay of the first pull so pulls end about `leadMs` before each HPA sync (timers started now). */
export function firstPullDelayMs(hpaSyncMs: number, resolutionMs: number, leadMs = Math.min(3000, resolutionMs / 3)): number {
  return (((hpaSyncMs - leadMs) % resolutionMs) + resolutionMs) % resolutionMs;
}

/** Runs `pull` after `delayMs`, then every `periodMs`; returns the stop. */
export function schedulePulls(pull: () => void, periodMs: number, delayMs: number): () => void {
  let every: Timer | undefined;
  const first = setTimeout(() => {
    pull();
    every = setInterval(pull, periodMs);
  }, delayMs);
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
