// A watch client that notes when each event arrives, for fan-out delay measurements.

export type WatchEvent = { type: string; object: { metadata: { name: string; resourceVersion?: string } } };

export type TimedWatcher = {
  /** Events received so far (BOOKMARKs excluded). */
  readonly received: number;
  /** Resolves when the stream ends or is closed. */
  readonly done: Promise<void>;
  close(): void;
};

/**
 * Opens `path` (a `?watch=1` URL) and calls `onEvent` with each event and the time
 * (performance.now()) its bytes were read; resolves once the server has answered.
 */
export async function openTimedWatch(
  fetchFn: (path: string, init: RequestInit) => Promise<Response>,
  path: string,
  onEvent: (event: WatchEvent, receivedAt: number) => void,
): Promise<TimedWatcher> {
  const abort = new AbortController();
  const res = await fetchFn(path, { signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`watch ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  let received = 0;
  const reader = res.body.getReader();
  const done = (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        // Stamp the chunk before parsing it, so client parsing is not counted as delivery time.
        const at = performance.now();
        pending += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (!line.trim()) continue;
          const event = JSON.parse(line) as WatchEvent;
          if (event.type === "BOOKMARK") continue;
          received++;
          onEvent(event, at);
        }
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
  })();
  return {
    get received() {
      return received;
    },
    done,
    close() {
      abort.abort();
    },
  };
}
