// Events as upstream's recorder writes them: core/v1 Events through the registry, one per
// (object, reason, message); a repeat bumps count and lastTimestamp instead of adding one.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import { isNotFound } from "./shared/object-key.ts";

export type EventType = "Normal" | "Warning";
export type RecordEvent = (involved: KubeObject, type: EventType, reason: string, message: string) => void;

export type EventRecorder = {
  record: RecordEvent;
  /** Resolves once every event recorded so far is written (tests and shutdown). */
  flush(): Promise<void>;
};

export function eventRecorder(registry: Registry, eventKind: KindDef | undefined, component: string): EventRecorder {
  // Dedup key → event name; bounded so a long-running server does not grow it forever.
  const names = new Map<string, string>();
  // Writes of one dedup key run one after another (a repeat must find the first's name);
  // different keys are written concurrently, so a burst of events shares group commits.
  const tails = new Map<string, Promise<void>>();
  const pending = new Set<Promise<void>>();

  async function write(dedup: string, involved: KubeObject, type: EventType, reason: string, message: string) {
    if (!eventKind) return;
    const m = involved.metadata;
    const namespace = m.namespace || "default";
    const now = nowTimestamp();
    const existing = names.get(dedup);
    if (existing) {
      try {
        await registry.replace(eventKind, namespace, existing, (cur) => {
          const ev = cur!;
          ev.count = ((ev.count as number | undefined) ?? 1) + 1;
          ev.lastTimestamp = now;
          return ev;
        });
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    const name = `${m.name}.${(Date.now() * 1000 + Math.floor(Math.random() * 1000)).toString(16)}`;
    await registry.create(eventKind, namespace, {
      metadata: { name, namespace },
      involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion },
      reason,
      message,
      source: { component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: "",
    });
    if (names.size >= 10_000) names.delete(names.keys().next().value!);
    names.set(dedup, name);
  }

  return {
    record(involved, type, reason, message) {
      const dedup = `${involved.metadata.uid}\u0000${reason}\u0000${message}`;
      // Events are informative: a failed write must never fail the controller that sent it.
      const run = (tails.get(dedup) ?? Promise.resolve()).then(() => write(dedup, involved, type, reason, message)).catch(() => {});
      tails.set(dedup, run);
      pending.add(run);
      void run.then(() => {
        pending.delete(run);
        if (tails.get(dedup) === run) tails.delete(dedup);
      });
    },
    flush: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
  };
}
