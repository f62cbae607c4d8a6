// Watches: a list of the current state (or a replay of the change log from a
// resourceVersion) followed by live changes, filtered by namespace and selectors.
import type { KindDef, KubeObject } from "./kinds/kind.ts";
import type { Change } from "../store/store.ts";
import { expired } from "./errors.ts";
import { resourceKey, type Registry } from "./registry/registry.ts";
import { WatchFanout } from "./watch-fanout.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";
export type WatchOptions = {
  namespace?: string;
  matches?: (o: KubeObject) => boolean;
  /** Pods only: `matches` passes no pod bound elsewhere (a `spec.nodeName=X` field selector), so only changes of this node's pods are offered. */
  nodeName?: string;
  /** undefined or "0": start with synthetic ADDED events for the current state. */
  resourceVersion?: string;
  /**
   * Watch-list: true sends the current state as ADDED events whatever resourceVersion says
   * (the state is never older than it), false sends none and starts at the current revision;
   * undefined keeps the classic meaning of resourceVersion.
   */
  sendInitialEvents?: boolean;
  /** Called once the initial ADDED events of a watch-list are out, with the revision they show. */
  initialEventsEnd?: (resourceVersion: string) => void;
};

/**
 * Start a watch. Events are delivered synchronously to `emit`, in revision order. Throws
 * a 410 Expired ApiError when the requested revision was compacted away.
 */
export function openWatch(registry: Registry, kind: KindDef, opts: WatchOptions, emit: (type: WatchEventType, obj: KubeObject) => void, fail: (e: unknown) => void = () => {}): () => void {
  const resource = resourceKey(kind);
  const namespace = kind.namespaced ? opts.namespace : undefined;
  const matches = opts.matches ?? (() => true);
  const inScope = (c: Change) => c.resource === resource && (namespace === undefined || c.namespace === namespace);
  const deliver = (c: Change) => {
    if (!inScope(c)) return;
    const now = matches(c.object);
    // Without the previous state (a change replayed after a restart), judge by the new one.
    const before = c.previous ? matches(c.previous) : now;
    if (c.type === "ADDED") {
      if (now) emit("ADDED", c.object);
    } else if (c.type === "DELETED") {
      if (before || now) emit("DELETED", c.object);
    } else if (now && before) emit("MODIFIED", c.object);
    else if (now) emit("ADDED", c.object);
    else if (before) emit("DELETED", c.object);
  };

  const rv = opts.resourceVersion;
  if (opts.sendInitialEvents !== undefined && (opts.sendInitialEvents || rv === undefined || rv === "" || rv === "0")) {
    if (opts.sendInitialEvents) {
      const state = registry.list(kind, namespace, matches);
      for (const o of state.items) emit("ADDED", o);
      opts.initialEventsEnd?.(state.resourceVersion);
    }
  } else if (rv === undefined || rv === "" || rv === "0") {
    for (const o of registry.list(kind, namespace, matches).items) emit("ADDED", o);
  } else {
    const from = Number(rv);
    if (!Number.isInteger(from) || from < 0) throw expired(`invalid resource version "${rv}"`);
    const replay = registry.store.changesSince(from);
    if (replay === "expired") throw expired(`too old resource version: ${from} (${registry.store.compactedRevision})`);
    if (replay === "stored") return replayStored(registry, resource, from, deliver, fail, opts.nodeName);
    for (const c of replay) deliver(c);
  }
  // Listing and subscribing happen in the same tick as the store's writes, so nothing falls between them.
  return WatchFanout.of(registry).subscribe(resource, deliver, opts.nodeName);
}

/**
 * A resume older than the store's in-memory tail: history is rebuilt from the database.
 * Live changes are held from now until it arrives; those it already covers are dropped.
 * `fail` gets a 410 when the history is gone meanwhile, or the read's error.
 */
function replayStored(registry: Registry, resource: string, from: number, deliver: (c: Change) => void, fail: (e: unknown) => void, nodeName?: string): () => void {
  let held: Change[] | undefined = [];
  let stopped = false;
  const unsubscribe = WatchFanout.of(registry).subscribe(resource, (c) => (held ? held.push(c) : deliver(c)), nodeName);
  registry.store.storedChangesSince(from, resource).then(
    (stored) => {
      if (stopped) return;
      if (stored === "expired") {
        unsubscribe();
        return fail(expired(`too old resource version: ${from} (${registry.store.compactedRevision})`));
      }
      for (const c of stored.changes) deliver(c);
      const live = held!.filter((c) => c.revision > stored.through);
      held = undefined;
      for (const c of live) deliver(c);
    },
    (e) => {
      unsubscribe();
      if (!stopped) fail(e);
    },
  );
  return () => {
    stopped = true;
    held = undefined;
    unsubscribe();
  };
}
