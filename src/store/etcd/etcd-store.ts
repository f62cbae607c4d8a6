// The store on an etcd cluster. Objects live under a key prefix (`/registry/` by default)
// as RESOURCE/NAMESPACE/NAME (an empty namespace for cluster-scoped objects), values
// compact JSON without their resourceVersion, which is the key's mod_revision as upstream.
//
// Reads come from memory. The memory (objects and the recent change log) is fed only by
// one etcd watch over the prefix, from the revision the objects were loaded at: writes of
// this process and of any other reach it in etcd's order, once each. A write is a txn that
// compares the key's mod_revision with the one it planned against (a create: no key yet);
// when another write came first, the txn reads the newer value back and the write plans
// again on it. A write is acknowledged once the watch has brought its revision here, so a
// read after it sees it.
import { withPlannedWrites, type PlannedWrite } from "../planned-writes.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { ChangeLog } from "../change-log.ts";
import { RetentionWindow } from "../retention.ts";
import type { Change, Mutate, Store, ValueCodec } from "../store-interface.ts";
import { historyFrom, notify } from "../change-feed.ts";
import { b64, EtcdClient, EtcdError, prefixEnd, unb64, type EtcdTls, type KeyValue, type WatchEvent, type WatchResponse } from "./client.ts";

export type EtcdStoreOptions = {
  endpoints: string[];
  tls?: EtcdTls;
  /** Keys start with this (default "/registry/"). */
  prefix?: string;
  codec?: ValueCodec;
  /** How many revisions compaction keeps for watch resume, at least. */
  retainChanges?: number;
  /** Revisions younger than this are kept too (default 0: count only). */
  retainMs?: number;
  maxRetainedChanges?: number;
  /** The newest changes also held in memory (default 1,000); a watch from an older revision reads etcd's history. */
  memoryChanges?: number;
  /** Called when the watch feed breaks and resumes (for logs). */
  log?: (line: string) => void;
};

/** A key's three parts: the resource is everything before the last two segments. */
function splitKey(rest: string): { resource: string; namespace: string; name: string } | undefined {
  const last = rest.lastIndexOf("/");
  const mid = last > 0 ? rest.lastIndexOf("/", last - 1) : -1;
  if (mid <= 0) return undefined;
  return { resource: rest.slice(0, mid), namespace: rest.slice(mid + 1, last), name: rest.slice(last + 1) };
}

/** The stored text of an object: compact JSON without its resourceVersion (the key's revision says it). */
function serialize(object: KubeObject): string {
  const { resourceVersion: _, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata });
}

type Planned = { key: string; value: string; compare: unknown[]; success: unknown[]; done: () => void; plannedOn?: string; claims: string[] };
type InFlight = { object: KubeObject | undefined; resource: string; namespace: string; name: string; done: Promise<void> };

const PAGE = 1000;
const MAX_TRIES = 1000;
const CLOSE_WAIT_MS = 5000;

export class EtcdStore implements Store {
  revision = 0;
  compactedRevision = 0;
  compactions = 0;
  /** Every write is a txn of its own. */
  groupCommits = 0;
  groupedWrites = 0;
  /** Write txns that lost their compare and planned again (for benchmarks and tests). */
  conflicts = 0;
  private readonly prefix: string;
  private readonly cache = new Map<string, Map<string, KubeObject>>();
  private readonly recent: ChangeLog;
  /** The recent change log holds every change after this revision. */
  private completeFrom = 0;
  private readonly listeners = new Set<(c: Change) => void>();
  private readonly waiters = new Map<number, (() => void)[]>();
  /** Hear every revision the feed publishes (reached). */
  private readonly progress = new Set<() => void>();
  /** Writes plan one at a time, in call order; their txns then run side by side. */
  private lane: Promise<unknown> = Promise.resolve();
  private readonly inflight = new Map<string, InFlight>();
  private planning = false;
  private readonly retention: RetentionWindow;
  private readonly watchAbort = new AbortController();
  /** Events are decoded and published one after another, in revision order. */
  private feed: Promise<void> = Promise.resolve();
  /** The last revision the watch delivered (decoded or not yet). */
  private watchedTo = 0;
  private watching?: Promise<void>;
  /** No new writes; `closed` once the feed stops. */
  private closing = false;
  private closed = false;
  private dbSize = 0;
  /** Per resource: the unique values each object claims (declareUnique). */
  private readonly uniques = new Map<string, (object: KubeObject) => string[]>();
  /** Claims live beside the objects' prefix ("/registry/" → "/registry.claims/"), out of the watched range. */
  private readonly claimBase: string;

  private constructor(
    readonly client: EtcdClient,
    private readonly opts: EtcdStoreOptions,
  ) {
    this.prefix = opts.prefix ?? "/registry/";
    this.claimBase = `${this.prefix.replace(/\/+$/, "")}.claims/`;
    this.recent = new ChangeLog(opts.memoryChanges ?? 1000);
    this.retention = new RetentionWindow({ minChanges: opts.retainChanges ?? 10_000, minAgeMs: opts.retainMs ?? 0, maxChanges: opts.maxRetainedChanges });
  }

  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(new EtcdClient({ endpoints: opts.endpoints, tls: opts.tls }), opts);
    await store.load();
    store.watching = store.watchLoop();
    return store;
  }

  private keyOf(resource: string, namespace: string, name: string): string {
    return `${this.prefix}${resource}/${namespace}/${name}`;
  }

  private async decode(resource: string, kv: KeyValue): Promise<KubeObject> {
    const stored = unb64(kv.value);
    const text = this.opts.codec ? await this.opts.codec.decode(resource, stored) : stored;
    const object = JSON.parse(text) as KubeObject;
    object.metadata.resourceVersion = String(Number(kv.mod_revision));
    return object;
  }

  private parts(kv: KeyValue) {
    const key = unb64(kv.key);
    return key.startsWith(this.prefix) ? splitKey(key.slice(this.prefix.length)) : undefined;
  }

  /** Every object under the prefix as of one revision, read a page at a time; that revision. */
  private async rangeAll(each: (p: { resource: string; namespace: string; name: string }, object: KubeObject) => void): Promise<number> {
    const end = prefixEnd(this.prefix);
    let from = b64(this.prefix);
    let at: number | undefined;
    for (;;) {
      const page = await this.client.range(from, end, { limit: String(PAGE), ...(at ? { revision: String(at) } : {}) });
      at ??= Number(page.header?.revision ?? 0);
      const kvs = page.kvs ?? [];
      for (const kv of kvs) {
        const p = this.parts(kv);
        if (p) each(p, await this.decode(p.resource, kv));
      }
      if (!page.more || !kvs.length) return at;
      from = b64(unb64(kvs[kvs.length - 1]!.key) + "\u0000");
    }
  }

  private async load() {
    const at = await this.rangeAll((p, object) => this.bucket(p.resource).set(`${p.namespace}/${p.name}`, object));
    this.revision = this.watchedTo = this.completeFrom = at;
    this.retention.mark(this.revision);
    this.compactedRevision = await this.etcdCompacted();
  }

  /**
   * The newest revision etcd's compaction dropped (0: none): etcd does not say it, but it
   * refuses a read at a revision below its compaction, so the edge is found by bisection.
   */
  private async etcdCompacted(): Promise<number> {
    const probe = b64(`${this.prefix}\u0000`);
    const readable = (revision: number) =>
      this.client.range(probe, undefined, { revision: String(revision), count_only: true }).then(
        () => true,
        (e) => {
          if (e instanceof EtcdError && /compacted/.test(e.message)) return false;
          throw e;
        },
      );
    if (this.revision <= 1 || (await readable(1))) return 0;
    let low = 1; // not readable
    let high = this.revision; // readable
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await readable(mid)) high = mid;
      else low = mid;
    }
    return high - 1;
  }

  /** The change feed: one watch over the prefix, resumed after the last delivered revision on whichever endpoint answers. */
  private async watchLoop() {
    let failures = 0;
    while (!this.closed) {
      try {
        await this.client.watchOnce(
          { key: b64(this.prefix), range_end: prefixEnd(this.prefix), start_revision: String(this.watchedTo + 1), prev_kv: true },
          (r) => {
            failures = 0;
            this.onWatch(r);
          },
          this.watchAbort.signal,
        );
      } catch (e) {
        if (this.closed) break;
        // One interruption resumed at once is routine (a stream idle past fetch's idle timeout, a member restarting): logged only when resuming fails too.
        if (failures++ === 1) this.opts.log?.(`etcd watch interrupted: ${(e as Error).message}; resuming from revision ${this.watchedTo + 1}`);
      }
      // A resync after compaction moves the resume revision: wait for it.
      await this.feed;
      if (!this.closed) await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** Math.min(failures, 5), 1000)));
    }
  }

  private onWatch(r: WatchResponse) {
    if (r.compact_revision && Number(r.compact_revision) > this.watchedTo) {
      // The feed fell behind etcd's compaction: the missed changes are gone, load the state again.
      this.feed = this.feed.then(() => this.resync()).catch((e) => this.opts.log?.(`etcd resync failed: ${(e as Error).message}`));
      throw new EtcdError("watch revision compacted");
    }
    for (const ev of r.events ?? []) {
      const rev = Number(ev.kv.mod_revision);
      if (rev <= this.watchedTo) continue;
      this.watchedTo = rev;
      this.feed = this.feed.then(() => this.apply(ev)).catch((e) => this.opts.log?.(`etcd change at ${rev} not applied: ${(e as Error).message}`));
    }
  }

  /** One event of the feed: into the cache and the change log, then to every listener. */
  private async apply(ev: WatchEvent) {
    const p = this.parts(ev.kv);
    if (!p) return;
    const change = await this.changeOf(ev, p);
    if (change) this.publish(change);
  }

  /** The change an event makes; the object before it is the cached one unless `before` says (history). */
  private async changeOf(ev: WatchEvent, p: { resource: string; namespace: string; name: string }, before?: { object?: KubeObject }): Promise<Change | undefined> {
    const rev = Number(ev.kv.mod_revision);
    const cached = before ? before.object : this.cache.get(p.resource)?.get(`${p.namespace}/${p.name}`);
    if (ev.type === "DELETE") {
      const last = ev.prev_kv ? await this.decode(p.resource, ev.prev_kv) : cached;
      if (!last) return undefined;
      const object = { ...last, metadata: { ...last.metadata, resourceVersion: String(rev) } } as KubeObject;
      return { revision: rev, ...p, type: "DELETED", object, previous: cached ?? last };
    }
    const object = await this.decode(p.resource, ev.kv);
    const prev = cached ?? (ev.prev_kv ? await this.decode(p.resource, ev.prev_kv) : undefined);
    return { revision: rev, ...p, type: ev.kv.version === "1" ? "ADDED" : "MODIFIED", object, previous: prev };
  }

  private publish(change: Change) {
    this.revision = change.revision;
    this.retention.mark(change.revision);
    const b = this.bucket(change.resource);
    const k = `${change.namespace}/${change.name}`;
    if (change.type === "DELETED") b.delete(k);
    else b.set(k, change.object);
    const before = this.recent.length;
    this.recent.push(change);
    if (this.recent.length <= before) this.completeFrom = this.recent.oldest!.revision - 1;
    notify(this.listeners, change);
    for (const p of this.progress) p();
    const waiting = this.waiters.get(change.revision);
    if (waiting) {
      this.waiters.delete(change.revision);
      for (const w of waiting) w();
    }
  }

  /** After a compacted feed: the state as of now, published as changes at the new revision; older history is gone. */
  private async resync() {
    const fresh = new Map<string, Map<string, KubeObject>>();
    const at = await this.rangeAll((p, object) => {
      let b = fresh.get(p.resource);
      if (!b) fresh.set(p.resource, (b = new Map()));
      b.set(`${p.namespace}/${p.name}`, object);
    });
    const changes: Change[] = [];
    for (const [resource, b] of this.cache) {
      for (const [k, old] of b) {
        if (fresh.get(resource)?.has(k)) continue;
        const [namespace, name] = k.split("/") as [string, string];
        changes.push({ revision: at, resource, namespace, name, type: "DELETED", object: { ...old, metadata: { ...old.metadata, resourceVersion: String(at) } } as KubeObject, previous: old });
      }
    }
    for (const [resource, b] of fresh) {
      for (const [k, obj] of b) {
        const old = this.cache.get(resource)?.get(k);
        if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
        const [namespace, name] = k.split("/") as [string, string];
        changes.push({ revision: at, resource, namespace, name, type: old ? "MODIFIED" : "ADDED", object: obj, previous: old });
      }
    }
    this.compactedRevision = Math.max(this.compactedRevision, at - 1);
    this.recent.dropOldest(this.recent.length);
    for (const c of changes) this.publish(c);
    this.revision = this.watchedTo = this.completeFrom = Math.max(this.revision, at);
    for (const [rev, waiting] of this.waiters) {
      if (rev > this.revision) continue;
      this.waiters.delete(rev);
      for (const w of waiting) w();
    }
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.cache.get(resource);
    if (!b) this.cache.set(resource, (b = new Map()));
    return b;
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    if (this.planning) {
      const f = this.inflight.get(this.keyOf(resource, namespace, name));
      if (f) return f.object;
    }
    return this.cache.get(resource)?.get(`${namespace}/${name}`);
  }

  list(resource: string, namespace?: string): KubeObject[] {
    const b = this.cache.get(resource);
    const out: KubeObject[] = [];
    if (b) for (const o of b.values()) if (namespace === undefined || (o.metadata.namespace ?? "") === namespace) out.push(o);
    if (!this.planning || !this.inflight.size) return out;
    const planned: PlannedWrite[] = [];
    for (const f of this.inflight.values()) if (f.resource === resource) planned.push(f);
    return withPlannedWrites(out, planned, namespace);
  }

  count(resource: string): number {
    return this.cache.get(resource)?.size ?? 0;
  }

  resources(): string[] {
    return [...this.cache.keys()];
  }

  write(resource: string, namespace: string, name: string, mutate: Mutate): Promise<Change | null> {
    if (this.closing) return Promise.reject(new Error("store is closed"));
    return this.attempt(resource, namespace, name, mutate, undefined, 0);
  }

  private attempt(resource: string, namespace: string, name: string, mutate: Mutate, fresh: { object?: KubeObject } | undefined, tries: number): Promise<Change | null> {
    const planned = this.lane.then(() => this.plan(resource, namespace, name, mutate, fresh));
    this.lane = planned.catch(() => undefined);
    return planned.then((p) => (p ? this.commit(p, resource, namespace, name, mutate, tries) : null));
  }

  /** Runs in the lane: wait for this process's earlier write of the key, plan against the newest object, build the txn. */
  private async plan(resource: string, namespace: string, name: string, mutate: Mutate, fresh: { object?: KubeObject } | undefined): Promise<Planned | null> {
    const key = this.keyOf(resource, namespace, name);
    const earlier = this.inflight.get(key);
    if (earlier) await earlier.done;
    if (this.closed) throw new Error("store is closed");
    const current = fresh ? fresh.object : this.cache.get(resource)?.get(`${namespace}/${name}`);
    let result: ReturnType<Mutate>;
    this.planning = true;
    try {
      result = mutate(current);
    } finally {
      this.planning = false;
    }
    if (!result) return null;
    const json = serialize(result.object);
    const value = b64(this.opts.codec ? await this.opts.codec.encode(resource, json) : json);
    const k = b64(key);
    const compare = current
      ? { key: k, target: "MOD", mod_revision: String(Number(current.metadata.resourceVersion)), result: "EQUAL" }
      : { key: k, target: "CREATE", create_revision: "0", result: "EQUAL" };
    const success = result.type === "DELETED" ? { request_delete_range: { key: k } } : { request_put: { key: k, value } };
    const claims = this.claimChanges(resource, current, result.type === "DELETED" ? undefined : result.object, key);
    let done!: () => void;
    const entry: InFlight = { object: result.type === "DELETED" ? undefined : result.object, resource, namespace, name, done: new Promise<void>((r) => (done = r)) };
    this.inflight.set(key, entry);
    return { key, value, compare: [compare, ...claims.compare], success: [success, ...claims.success], done, plannedOn: current?.metadata.resourceVersion, claims: claims.taken };
  }

  declareUnique(resource: string, claimsOf: (object: KubeObject) => string[]): void {
    this.uniques.set(resource, claimsOf);
  }

  /** A write's claims: new ones must be free (no key yet) and are taken; ones it no longer holds are freed. */
  private claimChanges(resource: string, before: KubeObject | undefined, after: KubeObject | undefined, owner: string) {
    const claimsOf = this.uniques.get(resource);
    if (!claimsOf) return { compare: [], success: [], taken: [] };
    const held = new Set(before ? claimsOf(before) : []);
    const wanted = new Set(after ? claimsOf(after) : []);
    const keyOf = (c: string) => b64(`${this.claimBase}${resource}/${c}`);
    const taken = [...wanted].filter((c) => !held.has(c));
    return {
      taken: taken.map(keyOf),
      compare: taken.map((c) => ({ key: keyOf(c), target: "CREATE", create_revision: "0", result: "EQUAL" })),
      success: [...taken.map((c) => ({ request_put: { key: keyOf(c), value: b64(owner) } })), ...[...held].filter((c) => !wanted.has(c)).map((c) => ({ request_delete_range: { key: keyOf(c) } }))],
    };
  }

  private async commit(p: Planned, resource: string, namespace: string, name: string, mutate: Mutate, tries: number): Promise<Change | null> {
    let retried = false;
    let revision: number | undefined;
    let fresh: KeyValue | undefined;
    let claimLost: number | undefined;
    try {
      const failure = [b64(p.key), ...p.claims].map((key) => ({ request_range: { key } }));
      const res = await this.client.txn({ compare: p.compare, success: p.success, failure }, () => (retried = true));
      if (res.succeeded) {
        revision = Number(res.header?.revision);
        this.groupCommits++;
        this.groupedWrites++;
      } else {
        fresh = res.responses?.[0]?.response_range?.kvs?.[0];
        // A txn sent again after a member failed may have been applied the first time: then the stored value is ours.
        if (retried && fresh && fresh.value === p.value) revision = Number(fresh.mod_revision);
        // The object was as planned, so a claim was taken by another server's write: plan again once that write is here.
        else if ((fresh ? String(Number(fresh.mod_revision)) : undefined) === p.plannedOn) {
          // The claim was written with its owner in one txn: once the feed has that revision, the owner is in the cache.
          const holders = (res.responses ?? []).slice(1).flatMap((r) => r.response_range?.kvs ?? []);
          claimLost = Math.max(0, ...holders.map((kv) => Number(kv.mod_revision)));
        }
      }
      if (revision !== undefined) return await this.changeAt(revision);
    } finally {
      this.inflight.delete(p.key);
      p.done();
    }
    this.conflicts++;
    if (tries >= MAX_TRIES) throw new EtcdError(`too many conflicting writes of ${p.key}`);
    if (claimLost !== undefined) {
      await this.reached(claimLost);
      return this.attempt(resource, namespace, name, mutate, undefined, tries + 1);
    }
    const object = fresh ? await this.decode(resource, fresh) : undefined;
    return this.attempt(resource, namespace, name, mutate, { object }, tries + 1);
  }

  /** Once the feed has brought this store to `revision` (at once when it has). */
  private reached(revision: number): Promise<void> {
    // Revisions of other keys never come through this prefix's feed: wait for `revision` or the first one past it.
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.revision < revision && !this.closed) return;
        this.progress.delete(check);
        resolve();
      };
      this.progress.add(check);
      check();
    });
  }

  /** The change the feed publishes at `revision`, once it has. */
  private async changeAt(revision: number): Promise<Change> {
    if (this.revision < revision) {
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(revision);
        if (list) list.push(resolve);
        else this.waiters.set(revision, [resolve]);
      });
    }
    const c = this.recent.since(revision - 1)[0];
    if (c && c.revision === revision) return c;
    if (this.revision < revision) throw new Error(`store is closed: the write at revision ${revision} is stored but was not seen here`);
    throw new EtcdError(`the change at revision ${revision} was not delivered by the watch (compacted meanwhile)`);
  }

  changesSince(revision: number): Change[] | "expired" | "stored" {
    if (revision < this.compactedRevision) return "expired";
    if (revision >= this.revision) return [];
    if (revision < this.completeFrom) return "stored";
    return this.recent.since(revision);
  }

  /** Changes after `revision` from etcd's own history: a watch from there, read up to the revision this store is at. */
  async storedChangesSince(revision: number, resource?: string): Promise<{ changes: Change[]; through: number } | "expired"> {
    if (revision < this.compactedRevision) return "expired";
    const through = this.revision;
    if (revision >= through) return { changes: [], through };
    const events: WatchEvent[] = [];
    let compacted = 0;
    const abort = new AbortController();
    const stop = () => abort.abort();
    this.watchAbort.signal.addEventListener("abort", stop);
    try {
      await this.client
        .watchOnce(
          { key: b64(this.prefix), range_end: prefixEnd(this.prefix), start_revision: String(revision + 1), prev_kv: true },
          (r) => {
            if (r.compact_revision) {
              compacted = Number(r.compact_revision);
              abort.abort();
            }
            for (const ev of r.events ?? []) {
              if (Number(ev.kv.mod_revision) > through) return abort.abort();
              events.push(ev);
              if (Number(ev.kv.mod_revision) === through) return abort.abort();
            }
          },
          abort.signal,
        )
        .catch((e) => {
          if (!abort.signal.aborted) throw e;
        });
    } finally {
      this.watchAbort.signal.removeEventListener("abort", stop);
    }
    if (compacted) {
      this.compactedRevision = Math.max(this.compactedRevision, compacted - 1);
      return "expired";
    }
    const changes: Change[] = [];
    for (const ev of events) {
      const p = this.parts(ev.kv);
      if (!p || (resource !== undefined && p.resource !== resource)) continue;
      const previous = ev.prev_kv ? await this.decode(p.resource, ev.prev_kv) : undefined;
      const c = await this.changeOf(ev, p, { object: previous });
      if (c) changes.push(c);
    }
    return { changes, through };
  }

  history(revision: number, resource?: string): Promise<Change[] | "expired"> {
    return historyFrom(this, revision, resource);
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** etcd's compaction below the retention window; a watch from below it gets 410 Expired. */
  async compact(): Promise<{ removed: number }> {
    const cut = Math.min(this.retention.cut(this.revision), this.revision - 1);
    if (cut <= this.compactedRevision || cut <= 0) return { removed: 0 };
    try {
      // etcd keeps the change at its compaction revision; this store's cut is the newest change gone.
      await this.client.call("/v3/kv/compaction", { revision: String(cut + 1) });
    } catch (e) {
      // Another server compacted there (or further) first.
      if (!(e instanceof EtcdError && /compacted/.test(e.message))) throw e;
    }
    const removed = this.recent.countUpTo(cut);
    this.recent.dropOldest(removed);
    this.completeFrom = Math.max(this.completeFrom, cut);
    this.compactedRevision = Math.max(this.compactedRevision, cut);
    this.compactions++;
    return { removed };
  }

  /** etcd's database size as of the last ping; no WAL figure. */
  sizes(): { db: number; wal: number } {
    return { db: this.dbSize, wal: 0 };
  }

  /** Wait for writes under way (a few seconds at most: etcd may be gone), then stop the feed; writes still waiting fail. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const settled = Promise.all([this.lane, ...[...this.inflight.values()].map((f) => f.done)]);
    await Promise.race([settled, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref?.())]);
    this.closed = true;
    this.watchAbort.abort();
    await this.watching;
    for (const [, waiting] of this.waiters) for (const w of waiting) w();
    this.waiters.clear();
    for (const p of this.progress) p();
  }

  /** An endpoint answers, and the cluster has no alarm (NOSPACE, CORRUPT) raised. */
  async ping(): Promise<void> {
    const status = await this.client.call<{ dbSize?: string; errors?: string[]; leader?: string }>("/v3/maintenance/status", {});
    this.dbSize = Number(status.dbSize ?? 0);
    if (status.errors?.length) throw new Error(`etcd reports: ${status.errors.join("; ")}`);
    if (!status.leader || status.leader === "0") throw new Error(`etcd at ${this.client.endpoint} has no leader`);
  }

  observeRequests(observe: (operation: string, seconds: number) => void): void {
    this.client.onRequest = observe;
  }

  get diskFull(): boolean {
    return false;
  }

  async durability(): Promise<{ journalMode?: string; synchronous?: number }> {
    return {};
  }
}
