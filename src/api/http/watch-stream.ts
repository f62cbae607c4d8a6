// A watch as an HTTP response: newline-delimited JSON events, headers sent at once,
// periodic BOOKMARKs when asked for, closed on timeout, client disconnect or overflow.
import type { KindDef, KubeObject } from "../kinds/kind.ts";
import { ApiError, toApiError } from "../errors.ts";
import { openWatch } from "../watch.ts";
import type { Registry } from "../registry/registry.ts";
import { toTable } from "../tables/index.ts";
import type { WatchMetrics } from "./types.ts";

export type WatchStreamOptions = {
  namespace?: string;
  matches?: (o: KubeObject) => boolean;
  /** Pods of one node only (see WatchOptions). */
  nodeName?: string;
  resourceVersion?: string;
  /** Watch-list (sendInitialEvents): the initial state ends with a BOOKMARK annotated k8s.io/initial-events-end. */
  sendInitialEvents?: boolean;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds?: number;
  table?: { includeObject: "None" | "Metadata" | "Object" };
  signal: AbortSignal;
  metrics?: WatchMetrics;
};

/** The annotation of the BOOKMARK that ends a watch-list's initial events. */
export const INITIAL_EVENTS_END = "k8s.io/initial-events-end";

/** A client this far behind is cut off; it will re-list and re-watch. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export function watchResponse(registry: Registry, kind: KindDef, opts: WatchStreamOptions): Response {
  const encoder = new TextEncoder();
  let close = () => {};
  let firstTable = true;
  const encodeObject = (obj: KubeObject) => {
    if (!opts.table) return obj;
    const table = toTable(kind, [obj], { includeObject: opts.table.includeObject, now: Date.now() });
    if (!firstTable) table.columnDefinitions = [];
    firstTable = false;
    return table;
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      let queued = 0;
      const timers: Timer[] = [];
      let unsubscribe = () => {};
      close = () => {
        if (!open) return;
        open = false;
        unsubscribe();
        for (const t of timers) clearInterval(t);
        opts.signal.removeEventListener("abort", close);
        opts.metrics?.closed(kind);
        try {
          controller.close();
        } catch {}
      };
      let sentAny = false;
      const send = (event: unknown) => {
        if (!open) return;
        sentAny = true;
        const bytes = encoder.encode(JSON.stringify(event) + "\n");
        queued = controller.desiredSize !== null && controller.desiredSize < 0 ? -controller.desiredSize : 0;
        if (queued > MAX_QUEUED_BYTES) return close();
        controller.enqueue(bytes);
      };
      // An error as the watch's last event (a resume whose history is gone: 410).
      const fail = (e: unknown) => {
        const err = e instanceof ApiError ? e : toApiError(e);
        send({ type: "ERROR", object: err.toStatus() });
        close();
      };
      const apiVersion = kind.group ? `${kind.group}/${kind.version}` : kind.version;
      const bookmarkAt = (resourceVersion: string, annotations?: Record<string, string>) =>
        send({ type: "BOOKMARK", object: { kind: kind.kind, apiVersion, metadata: { resourceVersion, ...(annotations ? { annotations } : {}) } } });
      opts.metrics?.opened(kind);
      opts.signal.addEventListener("abort", close);
      try {
        unsubscribe = openWatch(
          registry,
          kind,
          { ...opts, initialEventsEnd: (rv) => bookmarkAt(rv, { [INITIAL_EVENTS_END]: "true" }) },
          (type, obj) => {
            send({ type, object: encodeObject(obj) });
            opts.metrics?.sent(kind);
          },
          (e) => fail(e),
        );
      } catch (e) {
        return fail(e);
      }
      // Bun sends the response headers with the first chunk; clients wait for headers before
      // they consider the watch established, so an idle watch starts with a bare newline
      // (whitespace between JSON documents, skipped by every decoder).
      if (!sentAny) controller.enqueue(encoder.encode("\n"));
      if (opts.allowBookmarks) {
        timers.push(setInterval(() => bookmarkAt(String(registry.store.revision)), opts.bookmarkIntervalMs));
      }
      if (opts.timeoutSeconds) timers.push(setTimeout(close, opts.timeoutSeconds * 1000) as unknown as Timer);
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });
  return new Response(stream, {
    status: 200,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked", "X-Content-Type-Options": "nosniff" },
  });
}
