// The durable store: an SQLite file (or a libsql server) holding live objects and a
// bounded change log, with every live object also held in memory so reads never wait
// on the database. Writes are serialized: each gets the next global revision, which is
// the objects' resourceVersion.
import { createClient, type Client } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { and, eq, lte, sql } from "drizzle-orm";
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { KubeObject } from "../api/kinds/kind.ts";
import { changes, ddl, meta, objects } from "./schema.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";
export type Change = {
  revision: number;
  resource: string;
  namespace: string;
  name: string;
  type: ChangeType;
  object: KubeObject;
  /** The object before this change, when known (watch filters need it to turn label changes into ADDED/DELETED). */
  previous?: KubeObject;
};

/** Encrypts values at rest for some resources (Secrets); identity for the rest. */
export type ValueCodec = {
  encode(resource: string, json: string): Promise<string>;
  decode(resource: string, stored: string): Promise<string>;
};

export type StoreOptions = {
  /** "file:/path/db.sqlite", "libsql://…" or "http(s)://…". */
  url: string;
  authToken?: string;
  codec?: ValueCodec;
  /** How many changes compaction keeps for watch resume. */
  retainChanges?: number;
};

export class StoreCorruptError extends Error {}

type Entry = { object: KubeObject };
const key = (ns: string, name: string) => `${ns}/${name}`;

export class Store {
  revision = 0;
  /** Changes at or below this revision are gone: a watch from there gets 410 Expired. */
  compactedRevision = 0;
  compactions = 0;
  private readonly cache = new Map<string, Map<string, Entry>>();
  private readonly recent: Change[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly db: LibSQLDatabase,
    private readonly opts: StoreOptions,
    readonly path: string | undefined,
  ) {}

  static async open(opts: StoreOptions): Promise<Store> {
    const path = opts.url.startsWith("file:") ? opts.url.slice(5) : undefined;
    if (path) mkdirSync(dirname(path), { recursive: true });
    const client = createClient({ url: opts.url, authToken: opts.authToken });
    const store = new Store(client, drizzle(client), opts, path);
    try {
      await store.init();
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
      // WAL with synchronous=NORMAL survives a killed process (the WAL is in the OS's
      // hands once written); incremental auto-vacuum lets compaction give space back.
      await this.client.execute("PRAGMA auto_vacuum=INCREMENTAL");
      await this.client.execute("PRAGMA journal_mode=WAL");
      await this.client.execute("PRAGMA synchronous=NORMAL");
      await this.client.execute("PRAGMA busy_timeout=5000");
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
    for (const row of await this.db.select().from(changes).orderBy(changes.revision)) {
      const text = codec ? await codec.decode(row.resource, row.value) : row.value;
      this.recent.push({ revision: row.revision, resource: row.resource, namespace: row.namespace, name: row.name, type: row.type, object: JSON.parse(text) });
    }
  }

  private bucket(resource: string): Map<string, Entry> {
    let b = this.cache.get(resource);
    if (!b) this.cache.set(resource, (b = new Map()));
    return b;
  }

  /** The stored object; callers must not mutate it. */
  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(resource)?.get(key(namespace, name))?.object;
  }

  /** Objects of a resource, in one namespace or all; callers must not mutate them. */
  list(resource: string, namespace?: string): KubeObject[] {
    const b = this.cache.get(resource);
    if (!b) return [];
    const out: KubeObject[] = [];
    for (const e of b.values()) if (namespace === undefined || (e.object.metadata.namespace ?? "") === namespace) out.push(e.object);
    return out;
  }

  count(resource: string): number {
    return this.cache.get(resource)?.size ?? 0;
  }

  resources(): string[] {
    return [...this.cache.keys()];
  }

  /**
   * Write one change. `check` runs inside the write lock against the current stored
   * object, so a compare-and-swap (resourceVersion preconditions) cannot race.
   * The object gets its resourceVersion here.
   */
  write(
    resource: string,
    namespace: string,
    name: string,
    mutate: (current: KubeObject | undefined) => { type: ChangeType; object: KubeObject } | null,
  ): Promise<Change | null> {
    const run = this.queue.then(() => this.writeNow(resource, namespace, name, mutate));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async writeNow(
    resource: string,
    namespace: string,
    name: string,
    mutate: (current: KubeObject | undefined) => { type: ChangeType; object: KubeObject } | null,
  ): Promise<Change | null> {
    if (this.closed) throw new Error("store is closed");
    const current = this.get(resource, namespace, name);
    const result = mutate(current);
    if (!result) return null;
    const revision = this.revision + 1;
    const object = result.object;
    object.metadata.resourceVersion = String(revision);
    const json = JSON.stringify(object);
    const value = this.opts.codec ? await this.opts.codec.encode(resource, json) : json;
    const where = and(eq(objects.resource, resource), eq(objects.namespace, namespace), eq(objects.name, name));
    const rowWrite =
      result.type === "DELETED"
        ? this.db.delete(objects).where(where)
        : this.db
            .insert(objects)
            .values({ resource, namespace, name, revision, value })
            .onConflictDoUpdate({ target: [objects.resource, objects.namespace, objects.name], set: { revision, value } });
    await this.db.batch([
      rowWrite,
      this.db.insert(changes).values({ revision, resource, namespace, name, type: result.type, value }),
      this.db.insert(meta).values({ key: "revision", value: revision }).onConflictDoUpdate({ target: meta.key, set: { value: revision } }),
    ]);
    this.revision = revision;
    if (result.type === "DELETED") this.bucket(resource).delete(key(namespace, name));
    else this.bucket(resource).set(key(namespace, name), { object });
    const change: Change = { revision, resource, namespace, name, type: result.type, object, previous: current };
    this.recent.push(change);
    // Between compactions the in-memory log stays bounded too; older changes remain in the database until compaction.
    const retain = this.opts.retainChanges ?? 10_000;
    if (this.recent.length > retain * 2) this.recent.splice(0, this.recent.length - retain);
    for (const l of this.listeners) l(change);
    return change;
  }

  /** Changes after `revision`, or "expired" when compaction already dropped some of them. */
  changesSince(revision: number): Change[] | "expired" {
    if (revision < this.compactedRevision) return "expired";
    const oldest = this.recent[0];
    if (oldest && revision < oldest.revision - 1) return "expired";
    // `recent` is sorted by revision: binary search for the first one after `revision`.
    let lo = 0;
    let hi = this.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.recent[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return this.recent.slice(lo);
  }

  subscribe(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drop all but the newest `retainChanges` changes, checkpoint the WAL and give free pages back. */
  compact(): Promise<{ removed: number }> {
    const run = this.queue.then(async () => {
      const keep = this.opts.retainChanges ?? 10_000;
      const cut = this.revision - keep;
      let removed = 0;
      if (cut > this.compactedRevision) {
        const firstKept = this.recent.findIndex((c) => c.revision > cut);
        removed = firstKept < 0 ? this.recent.length : firstKept;
        this.recent.splice(0, removed);
        await this.db.batch([
          this.db.delete(changes).where(lte(changes.revision, cut)),
          this.db.insert(meta).values({ key: "compacted", value: cut }).onConflictDoUpdate({ target: meta.key, set: { value: cut } }),
        ]);
        this.compactedRevision = cut;
      }
      if (this.path) {
        // exec steps the pragma to completion (it frees one page per step).
        await this.client.executeMultiple("PRAGMA incremental_vacuum;");
        await this.client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      this.compactions++;
      return { removed };
    });
    this.queue = run.catch(() => undefined);
    return run;
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
    await this.queue;
    this.closed = true;
    this.client.close();
  }

  /** Used by the health check: the database answers. */
  async ping(): Promise<void> {
    await this.db.run(sql`select 1`);
  }
}
