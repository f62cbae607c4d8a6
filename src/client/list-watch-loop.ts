// The reflector's loop: list + watch again whenever a watch ends or fails, with back-off on
// failures (none after 410 Gone: the list that follows is the cure).
import { ApiRequestError } from "./api-client.ts";

export async function listWatchLoop(signal: AbortSignal, listAndWatch: () => Promise<void>, opts: { firstDelayMs: number; maxDelayMs: number; onError?: (e: unknown) => void }): Promise<void> {
  let delay = opts.firstDelayMs;
  while (!signal.aborted) {
    try {
      await listAndWatch();
      delay = opts.firstDelayMs;
    } catch (e) {
      if (signal.aborted) return;
      opts.onError?.(e);
      if (e instanceof ApiRequestError && e.code === 410) delay = 0;
    }
    await Bun.sleep(delay);
    delay = Math.min(delay * 2, opts.maxDelayMs);
  }
}
