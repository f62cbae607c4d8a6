// Reading a watch over HTTPS as a client does: newline-delimited JSON events.
import { apiFetch } from "./server.ts";

export type WatchEvent = { type: string; object: Record<string, any> };

/**
 * Read events from a watch path until `until` says stop or `ms` pass, running `during`
 * (the writes the test wants to see) once the watch is established.
 */
export async function collectWatch(
  server: { url: string; caPem: string; adminToken: string },
  path: string,
  until: (events: WatchEvent[]) => boolean,
  during?: () => Promise<void>,
  ms = 5000,
): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const res = await apiFetch(server, path, { signal: ac.signal });
  if (res.status !== 200) throw new Error(`watch ${path} answered ${res.status}: ${await res.text()}`);
  const events: WatchEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const timer = setTimeout(() => ac.abort(), ms);
  const work = during?.();
  try {
    while (!until(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) events.push(JSON.parse(line)); // an idle watch starts with a bare newline
      }
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
    await work;
  }
  return events;
}
