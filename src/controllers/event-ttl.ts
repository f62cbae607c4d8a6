// Events expire like upstream's (kube-apiserver --event-ttl, 1 h by default): an Event is
// deleted once that long has passed since it was last written. Upstream ties each write
// to a lease in etcd; here the last write is the newest of the Event's own times and the
// moment this controller saw it change (after a restart, its own times alone).
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { Controller } from "./runtime/controller.ts";
import type { InformerFactory } from "./runtime/informer.ts";
import { objectKey, splitKey } from "./shared/object-key.ts";

export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;

type EventTimes = { lastTimestamp?: string; eventTime?: string; series?: { lastObservedTime?: string } };

/** The newest time the Event carries (creation, last seen, series), in ms, rounded up to the next second (most are in whole seconds); 0 when none parses. */
function newestOwnTime(event: KubeObject): number {
  const e = event as KubeObject & EventTimes;
  const times = [event.metadata.creationTimestamp, e.lastTimestamp, e.eventTime, e.series?.lastObservedTime].map((t) => (t ? Date.parse(t) : NaN));
  const newest = Math.max(0, ...times.filter((t) => Number.isFinite(t)));
  return newest && Math.floor(newest / 1000) * 1000 + 1000;
}

export function eventTtlController(registry: Registry, informers: InformerFactory, eventKind: KindDef, ttlMs = DEFAULT_EVENT_TTL_MS): Controller {
  const events = informers.for(eventKind);
  /** When each Event (by uid) was last seen written while this server runs. */
  const seenAt = new Map<string, number>();

  const controller = new Controller({
    name: "event-ttl",
    workers: 1,
    // Expiry is scheduled per Event; the resync only catches what a lost timer would miss.
    resyncMs: 10 * 60_000,
    allKeys: () => events.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const event = events.get(namespace, name);
      if (!event) return;
      const expiresAt = Math.max(newestOwnTime(event), seenAt.get(event.metadata.uid ?? "") ?? 0) + ttlMs;
      const left = expiresAt - Date.now();
      if (left > 0) return { requeueAfterMs: left };
      // Written again since it was read: the conflict retries it, and the new write counts.
      await registry.delete(eventKind, namespace, name, { preconditions: { uid: event.metadata.uid, resourceVersion: event.metadata.resourceVersion } });
    },
  });

  events.onChange((event, previous) => {
    if (event) {
      if (previous) seenAt.set(event.metadata.uid ?? "", Date.now());
      controller.enqueue(objectKey(event));
    } else if (previous) seenAt.delete(previous.metadata.uid ?? "");
  });
  return controller;
}
