// Watch fan-out between servers: from a POST on one server to the ADDED event on a watch
// open on another (or the same) server.
import { summarize, type LatencySummary } from "./stats.ts";
import type { SkiffServer } from "./skiff-server-process.ts";
import { openTimedWatch } from "./watch-stream.ts";

/** Milliseconds from a POST on `writer` to the ADDED event on a watch open on `reader`. */
export async function watchDelays(writer: SkiffServer, reader: SkiffServer, n: number, post: (s: SkiffServer, name: string) => Promise<string>): Promise<LatencySummary> {
  const list = (await (await reader.api("/api/v1/namespaces/default/configmaps?limit=1")).json()) as { metadata: { resourceVersion: string } };
  const started = new Map<string, number>();
  const delays: number[] = [];
  let heard: ((name: string) => void) | undefined;
  const watch = await openTimedWatch((path, init) => reader.api(path, init), `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, (ev, at) => {
    const t = started.get(ev.object.metadata.name);
    if (ev.type !== "ADDED" || t === undefined) return;
    delays.push(at - t);
    heard?.(ev.object.metadata.name);
  });
  for (let i = 0; i < n; i++) {
    const name = `fan-${reader.pid}-${i}`;
    const arrived = new Promise<void>((r) => (heard = (got) => got === name && r()));
    started.set(name, performance.now());
    await post(writer, name);
    await Promise.race([arrived, watch.done.then(() => Promise.reject(new Error(`the watch on ${reader.url} ended`)))]);
  }
  watch.close();
  return summarize(delays);
}
