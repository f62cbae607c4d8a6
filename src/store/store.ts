// The durable store: an SQLite file (or a libsql server) holding live objects and a
// bounded change log, with every live object also held in memory so reads never wait
// on the database. Writes are serialized: each gets the next global revision, which is
// the objects' resourceVersion. Writes queued together are committed together (group
// commit): one transaction for the group, each write acknowledged only once it commits.
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { sql } from "drizzle-orm";
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { KubeObject } from "../api/kinds/kind.ts";
import { ddl, meta, objects } from "./schema.ts";
import { ChangeLog } from "./change-log.ts";
import { RetentionWindow } from "./retention.ts";
import { DiskReserve, isDiskFull, StoreFullError } from "./disk-reserve.ts";
import { groupStatements, SAME_AS_OBJECT, type ChangeRow, type HistoryValue, type SupersededRow } from "./group-statements.ts";
import { loadStoredChanges, packSettledRows, turn } from "./history-blocks.ts";
import { reverseDelta } from "./reverse-delta.ts";
import { rebuildChanges } from "./rebuild-history.ts";
import { countAtMost } from "./sorted.ts";
import { withPlannedWrites, type PlannedWrite } from "./planned-writes.ts";
import { BLOCKS_PER_STEP, checkpoint, dropOldBlocks, dropOldRows, markCompacted, ROWS_PER_STEP, truncateWal, vacuumStep } from "./compaction-steps.ts";
import type { Change, Mutate, Store as StoreApi, ValueCodec } from "./store-interface.ts";
import { historyFrom, notify } from "./change-feed.ts";
export type { Change, ChangeType, Mutate, ValueCodec } from "./store-interface.ts";

export type StoreOptions = {
  /** "file:/path/db.sqlite" or "libsql://…". */
  url: string;
  authToken?: string;
  codec?: ValueCodec;
  /** How many changes compaction keeps for watch resume, at least. */
  retainChanges?: number;
  /** Changes younger than this are kept too, however many (default 0: count only). */
  retainMs?: number;
  /** History is never longer than this many changes (default 100,000). */
  maxRetainedChanges?: number;
  /** The newest changes also held in memory (default 1,000); a watch from an older revision reads the database. */
  memoryChanges?: number;
  /** FULL (default): a write is on stable storage before it is acknowledged. NORMAL only to measure what FULL costs. */
  synchronous?: "FULL" | "NORMAL";
  /** Bytes kept free on the data disk for deletions once it is full (default 8 MiB; 0: none). */
  reserveBytes?: number;
};

export class StoreCorruptError extends Error {}

type Entry = { object: KubeObject };
/** Connections of stores closed on a full disk: referenced so they are never collected (and closed) before exit. */
const keptOpen: Client[] = [];
const key = (ns: string, name: string) => `${ns}/${name}`;

type QueuedWrite = { resource: string; namespace: string; name: string; mutate: Mutate; resolve: (c: Change | null) => void; reject: (e: unknown) => void };
/** Writes per group commit; larger groups wait for the next one. */
const MAX_GROUP = 1000;

export class Store implements StoreApi {
  revision = 0;
  /** Changes at or below this revision are gone: a watch from there gets 410 Expired. */
  compactedRevision = 0;
  compactions = 0;
  /** Transactions committed by group commit, and the writes they carried (for metrics and benchmarks). */
  groupCommits = 0;
  groupedWrites = 0;
  private readonly cache = new Map<string, Map<string, Entry>>();
  private readonly recent: ChangeLog;
  private readonly listeners = new Set<(c: Change) => void>();
  /** Everything that touches the database runs in `drain`, one thing at a time; `lane` is its current run. */
  private lane: Promise<void> = Promise.resolve();
  private queued: QueuedWrite[] = [];
  private readonly tasks: (() => Promise<void>)[] = [];
  private draining = false;
  private closed = false;
  private readonly retention: RetentionWindow;
  /** The data disk is full: only deletions are written until the reserve can be made again. */
  private full = false;
  private spaceCheckedAt = 0;

  private constructor(
    private readonly client: Client,
    private readonly db: LibSQLDatabase,
    private readonly opts: StoreOptions,
    readonly path: string | undefined,
    private readonly reserve: DiskReserve | undefined,
  ) {
    this.retention = new RetentionWindow({ minChanges: opts.retainChanges ?? 10_000, minAgeMs: opts.retainMs ?? 0, maxChanges: opts.maxRetainedChanges });
    this.recent = new ChangeLog(opts.memoryChanges ?? 1000);
  }
  static async open(opts: StoreOptions): Promise<Store> {
    const path = opts.url.startsWith("file:") ? opts.url.slice(5) : undefined;
    if (path) mkdirSync(dirname(path), { recursive: true });
    const reserveBytes = opts.reserveBytes ?? 8 * 2 ** 20;
    const reserve = path && reserveBytes > 0 ? new DiskReserve(join(dirname(path), "space-reserve"), reserveBytes) : undefined;
    // Opening needs a little space (the WAL index, WAL frames): on a full disk the reserve makes it.
    const startFull = reserve !== undefined && reserve.freeBytes() < reserve.bytes;
    if (startFull) reserve.release();
    // One connection to a file: the PRAGMAs below are per connection, and writes are serialized anyway.
    const client = createClient({ url: opts.url, authToken: opts.authToken, ...(path ? { concurrency: 1 } : {}) });
    const store = new Store(client, drizzle(client), opts, path, reserve);
    store.full = startFull;
    try {
      await store.init();
      if (reserve && !store.full && !reserve.ensure()) store.full = true;
    } catch (e) {
      client.close();
      const msg = (e as Error).message ?? String(e);
      if (/malformed|not a database|corrupt|SQLITE_CORRUPT|SQLITE_NOTADB/i.test(msg)) throw new StoreCorruptError(`the store at ${opts.url} is corrupt: ${msg}`);
      throw e;
    }
    return store;
  }

  private async init() {
    if (this.path) {
      // WAL with synchronous=FULL syncs the WAL at every commit, so an acknowledged write
      // survives a power cut (NORMAL only survives a killed process); group commit makes
      // that one sync per group. Incremental auto-vacuum lets compaction give space back.
      // None of these writes to an existing database (auto_vacuum is set only on a new
      // one, where it takes effect), so a full disk does not stop a start.
      const synchronous = this.opts.synchronous === "NORMAL" ? "NORMAL" : "FULL";
      const vacuum = await this.client.execute("PRAGMA auto_vacuum");
      if (Number(vacuum.rows[0]?.[0]) !== 2) await this.client.execute("PRAGMA auto_vacuum=INCREMENTAL");
      await this.client.execute("PRAGMA journal_mode=WAL");
      await this.client.execute(`PRAGMA synchronous=${synchronous}`);
      await this.client.execute("PRAGMA busy_timeout=5000");
      // WAL checkpoints stay SQLite's own (every 1000 pages, inside a commit): checkpoints
      // on a timer between groups were fewer but longer stalls, and the create tail in the
      // api benchmark got no better.
      const check = await this.client.execute("PRAGMA quick_check");
      const verdict = String(check.rows[0]?.[0] ?? "");
      if (verdict !== "ok") throw new StoreCorruptError(`the store at ${this.path} is corrupt: ${verdict}`);
    }
    for (const stmt of ddl) await this.client.execute(stmt);
    for (const row of await this.db.select().from(meta)) {
      if (row.key === "revision") this.revision = row.value;
      if (row.key === "compacted") this.compactedRevision = row.value;
    }
    const codec = this.opts.codec;
    for (const row of await this.db.select().from(objects)) {
      const text = codec ? await codec.decode(row.resource, row.value) : row.value;
      this.bucket(row.resource).set(key(row.namespace, row.name), { object: JSON.parse(text) });
    }
    await this.loadHistory();
    this.retention.mark(this.revision);
  }

  /** The in-memory tail from the stored history; a change that cannot be rebuilt expires it and everything older. */
  private async loadHistory() {
    const { changes: rebuilt, lost } = await rebuildChanges(await loadStoredChanges(this.client, this.compactedRevision), this.rebuildSource());
    this.compactedRevision = Math.max(this.compactedRevision, lost);
    for (const c of rebuilt) this.recent.push(c);
  }

  private rebuildSource() {
    const codec = this.opts.codec;
    return {
      decode: (resource: string, value: string) => (codec ? codec.decode(resource, value) : value),
      current: (resource: string, namespace: string, name: string) => this.cache.get(resource)?.get(key(namespace, name))?.object,
    };
  }

  private bucket(resource: string): Map<string, Entry> {
    let b = this.cache.get(resource);
    if (!b) this.cache.set(resource, (b = new Map()));
    return b;
  }

  /** The stored object; callers must not mutate it. */
  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    const k = `${resource}\u0000${key(namespace, name)}`;
    if (this.planning?.has(k)) return this.planning.get(k);
    return this.cache.get(resource)?.get(key(namespace, name))?.object;
  }

  /** Objects of a resource, in one namespace or all; callers must not mutate them. */
  list(resource: string, namespace?: string): KubeObject[] {
    const b = this.cache.get(resource);
    const out: KubeObject[] = [];
    if (b) for (const e of b.values()) if (namespace === undefined || (e.object.metadata.namespace ?? "") === namespace) out.push(e.object);
    return this.planning ? this.withPlanned(resource, namespace, out) : out;
  }

  /**
   * While a group is planned, each write sees the ones planned before it: allocators
   * (ClusterIPs, NodePorts, pod subnets) list what is taken from inside their write.
   */
  private withPlanned(resource: string, namespace: string | undefined, committed: KubeObject[]): KubeObject[] {
    const prefix = `${resource}\u0000`;
    const planned: PlannedWrite[] = [];
    for (const [k, object] of this.planning!) {
      if (!k.startsWith(prefix)) continue;
      const own = k.slice(prefix.length);
      const slash = own.indexOf("/");
      planned.push({ namespace: own.slice(0, slash), name: own.slice(slash + 1), object });
    }
    return withPlannedWrites(committed, planned, namespace);
  }


  count(resource: string): number {
    return this.cache.get(resource)?.size ?? 0;
  }

  resources(): string[] {
    return [...this.cache.keys()];
  }

  /**
   * Write one change. `mutate` runs in the write order against the current stored object
   * (including writes queued before it), so a compare-and-swap (resourceVersion
   * preconditions) cannot race. The object gets its resourceVersion here. The promise
   * settles once the transaction holding the change has committed.
   */
  write(resource: string, namespace: string, name: string, mutate: Mutate): Promise<Change | null> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("store is closed"));
      this.queued.push({ resource, namespace, name, mutate, resolve, reject });
      this.kick();
    });
  }

  /** Run `task` alone on the database, between two group commits. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.tasks.push(() => task().then(resolve, reject));
      this.kick();
    });
  }

  private kick() {
    if (this.draining) return;
    this.draining = true;
    this.lane = this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.length || this.tasks.length) {
        // Exclusive work goes first, so steady writing cannot starve compaction.
        const task = this.tasks.shift();
        if (task) {
          await task();
          continue;
        }
        // One turn of the event loop lets the writes issued meanwhile join the group.
        await new Promise((r) => setImmediate(r));
        const group = this.queued.splice(0, MAX_GROUP);
        await this.commitGroup(group).catch(() => undefined);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Plan every write of the group in order, store them in one transaction, then publish them. */
  private async commitGroup(group: QueuedWrite[]): Promise<void> {
    // Writes of this group see the ones before them through `staged`; the cache changes only after the commit.
    const staged = new Map<string, KubeObject | undefined>();
    const outcomes: ({ ok: Change | null } | { error: unknown })[] = [];
    const accepted: Change[] = [];
    const rows: ChangeRow[] = [];
    const rowAt = new Map<number, ChangeRow>();
    const superseded: SupersededRow[] = [];
    let revision = this.revision;
    if (this.full) this.checkSpace();
    try {
      for (const w of group) {
        const k = `${w.resource}\u0000${key(w.namespace, w.name)}`;
        const current = staged.has(k) ? staged.get(k) : this.get(w.resource, w.namespace, w.name);
        let result: ReturnType<Mutate>;
        // The stored text and revision of `current`, taken before anything can change it in place.
        let currentJson: string | undefined;
        let previousRevision = 0;
        try {
          if (current) {
            currentJson = JSON.stringify(current);
            previousRevision = Number(current.metadata.resourceVersion);
          }
          if (this.closed) throw new Error("store is closed");
          this.planning = staged;
          result = w.mutate(current);
        } catch (error) {
          outcomes.push({ error });
          continue;
        } finally {
          this.planning = undefined;
        }
        if (!result) {
          outcomes.push({ ok: null });
          continue;
        }
        // A full disk takes only what frees space: deletions, and the steps of a graceful or finalized one.
        if (this.full && result.type !== "DELETED" && !result.object.metadata.deletionTimestamp) {
          outcomes.push({ error: new StoreFullError() });
          continue;
        }
        const object = result.object;
        let value: string;
        let history: HistoryValue | undefined;
        try {
          // A write that cannot be serialized or encoded fails alone and takes no revision.
          object.metadata.resourceVersion = String(revision + 1);
          const json = JSON.stringify(object);
          value = await this.encode(w.resource, json);
          if (current) history = await this.historyOf(w.resource, object, current, currentJson!, previousRevision);
        } catch (error) {
          outcomes.push({ error });
          continue;
        }
        revision++;
        if (current && history) {
          // The change that wrote `current` keeps its value as history, relative to this one.
          const inGroup = rowAt.get(previousRevision);
          if (inGroup) inGroup.history = history;
          else superseded.push({ revision: previousRevision, ...history });
        }
        const change: Change = { revision, resource: w.resource, namespace: w.namespace, name: w.name, type: result.type, object, previous: current };
        staged.set(k, result.type === "DELETED" ? undefined : object);
        accepted.push(change);
        const row: ChangeRow = { revision, resource: w.resource, namespace: w.namespace, name: w.name, type: result.type, value };
        rows.push(row);
        rowAt.set(revision, row);
        outcomes.push({ ok: change });
      }
      if (rows.length) await this.client.batch(groupStatements(rows, superseded), "write");
    } catch (error) {
      // Nothing of the group is stored, and cache and revision are untouched.
      if (isDiskFull(error) && !this.full && this.reserve) {
        // The disk just filled: free the reserve and plan the group again, now taking only deletions.
        this.enterFull();
        this.queued.unshift(...group);
        return;
      }
      // Every write of the group fails, none is published.
      const failure = isDiskFull(error) ? new StoreFullError() : error;
      for (const w of group) w.reject(failure);
      throw failure;
    }
    if (rows.length) {
      this.groupCommits++;
      this.groupedWrites += rows.length;
    }
    for (const change of accepted) this.publish(change);
    group.forEach((w, i) => {
      const o = outcomes[i]!;
      if ("error" in o) w.reject(o.error);
      else w.resolve(o.ok);
    });
  }

  private encode(resource: string, json: string): Promise<string> | string {
    return this.opts.codec ? this.opts.codec.encode(resource, json) : json;
  }

  /** What the change that wrote `older` keeps once `newer` supersedes it: a reverse delta when one rebuilds it exactly. */
  private async historyOf(resource: string, newer: KubeObject, older: KubeObject, olderJson: string, olderRevision: number): Promise<HistoryValue> {
    const delta = reverseDelta(newer, older, olderJson, olderRevision);
    if (delta !== undefined) return { value: await this.encode(resource, delta), delta: true };
    return { value: await this.encode(resource, olderJson), delta: false };
  }

  /** The writes planned so far in the group being committed; set only while a write's mutate runs. */
  private planning?: Map<string, KubeObject | undefined>;

  /** A committed change: into the cache and the change log, then to every listener (in revision order). */
  private publish(change: Change) {
    this.revision = change.revision;
    this.retention.mark(change.revision);
    const b = this.bucket(change.resource);
    if (change.type === "DELETED") b.delete(key(change.namespace, change.name));
    else b.set(key(change.namespace, change.name), { object: change.object });
    this.recent.push(change);
    notify(this.listeners, change);
  }

  /**
   * Changes after `revision` from the in-memory tail; "expired" when compaction already
   * dropped some of them, "stored" when they are older than the tail (see storedChangesSince).
   */
  changesSince(revision: number): Change[] | "expired" | "stored" {
    if (revision < this.compactedRevision) return "expired";
    if (revision >= this.revision) return [];
    const oldest = this.recent.oldest;
    if (!oldest || revision < oldest.revision - 1) return "stored";
    return this.recent.since(revision);
  }

  /**
   * Changes after `revision` (of `resource` only, when given) rebuilt from the database, and
   * the revision they run `through`: every change after it is published after this resolves.
   * Runs between group commits, so the database and the cached objects agree.
   */
  storedChangesSince(revision: number, resource?: string): Promise<{ changes: Change[]; through: number } | "expired"> {
    return this.exclusive(async () => {
      if (revision < this.compactedRevision) return "expired";
      // From the start of the kept history: a key's first change after `revision` gets its previous version too.
      let stored = await loadStoredChanges(this.client, this.compactedRevision);
      if (resource !== undefined) stored = stored.filter((r) => r.resource === resource);
      const { changes: rebuilt, lost } = await rebuildChanges(stored, this.rebuildSource());
      if (lost > revision) return "expired";
      return { changes: rebuilt.slice(countAtMost(rebuilt, revision, (c) => c.revision)), through: this.revision };
    });
  }

  /** Changes after `revision`, from memory or the database. */
  history(revision: number, resource?: string): Promise<Change[] | "expired"> {
    return historyFrom(this, revision, resource);
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Drop the changes older than the retention window, pack settled ones into blocks, then
   * checkpoint the WAL and give free pages back, in small steps (compaction-steps.ts): each
   * runs alone between group commits, with a turn of the event loop before it, so neither
   * writes nor requests wait for more than one step.
   */
  async compact(): Promise<{ removed: number }> {
    const cut = await this.compactionStep(async () => {
      const cut = this.retention.cut(this.revision);
      if (cut <= this.compactedRevision) return undefined;
      await markCompacted(this.client, cut);
      this.recent.dropOldest(this.recent.countUpTo(cut));
      this.compactedRevision = cut;
      return cut;
    });
    let removed = 0;
    if (cut !== undefined) {
      for (let n = ROWS_PER_STEP; n === ROWS_PER_STEP; removed += n) n = (await this.compactionStep(() => dropOldRows(this.client, cut))) ?? 0;
      for (let n = BLOCKS_PER_STEP; n === BLOCKS_PER_STEP; ) n = (await this.compactionStep(() => dropOldBlocks(this.client, cut))) ?? 0;
    }
    while (await this.compactionStep(() => packSettledRows(this.client, this.compactedRevision)));
    if (this.path) {
      while (await this.compactionStep(() => vacuumStep(this.client)));
      await this.compactionStep(() => checkpoint(this.client));
      await this.compactionStep(() => truncateWal(this.client));
    }
    this.compactions++;
    return { removed };
  }

  /** Longest single compaction step so far, in ms (for benchmarks). */
  longestCompactionStepMs = 0;

  /** One step of compaction: after a turn of the event loop, alone on the database; undefined once the store is closed. */
  private async compactionStep<T>(step: () => Promise<T>): Promise<T | undefined> {
    await turn();
    return this.exclusive(async () => {
      if (this.closed) return undefined;
      const started = performance.now();
      try {
        return await step();
      } finally {
        this.longestCompactionStepMs = Math.max(this.longestCompactionStepMs, performance.now() - started);
      }
    });
  }

  /** Bytes of the database file and its WAL (0 for a remote store). */
  sizes(): { db: number; wal: number } {
    if (!this.path) return { db: 0, wal: 0 };
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return { db: size(this.path), wal: size(`${this.path}-wal`) };
  }

  /** Wait for queued writes, then close the database. */
  async close(): Promise<void> {
    while (this.draining) await this.lane;
    this.closed = true;
    if (this.full && this.path) {
      // Closing the last connection checkpoints and deletes the WAL and its index; on a
      // full disk the next start could not make them again, so they stay until exit.
      keptOpen.push(this.client);
      return;
    }
    this.client.close();
  }

  private enterFull() {
    this.full = true;
    this.spaceCheckedAt = Date.now();
    this.reserve?.release();
  }

  /** While the disk is full, at most once a second: has space come back (enough to make the reserve again)? */
  private checkSpace() {
    if (!this.reserve || Date.now() - this.spaceCheckedAt < 1000) return;
    this.spaceCheckedAt = Date.now();
    try {
      if (this.reserve.ensure()) this.full = false;
    } catch {
      // Still full as far as anyone can tell; the next check tries again.
    }
  }

  /** True while the data disk is full and only deletions are written. */
  get diskFull(): boolean {
    if (this.full) this.checkSpace();
    return this.full;
  }

  /** The durability settings of the store's own connection (empty for a remote store). */
  async durability(): Promise<{ journalMode?: string; synchronous?: number }> {
    if (!this.path) return {};
    const mode = await this.client.execute("PRAGMA journal_mode");
    const sync = await this.client.execute("PRAGMA synchronous");
    return { journalMode: String(mode.rows[0]?.[0]), synchronous: Number(sync.rows[0]?.[0]) };
  }

  /** Used by the health check: the database answers and takes writes. */
  async ping(): Promise<void> {
    await this.db.run(sql`select 1`);
    if (this.diskFull) throw new StoreFullError("not writable: the data disk is full; only deletions are accepted until space is freed");
  }
}
