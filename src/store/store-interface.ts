// The store seam: what the server needs of a store, whichever backend holds the data (the
// embedded SQLite file, store.ts; an etcd cluster, etcd/etcd-store.ts). Reads come from
// memory; a write is a compare-and-swap on the stored object's revision; every change,
// whoever made it, reaches subscribers through the backend's change feed in revision order.
import type { KubeObject } from "../api/kinds/kind.ts";

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

/** Plans a write against the current stored object: the change to make, or null for none. */
export type Mutate = (current: KubeObject | undefined) => { type: ChangeType; object: KubeObject } | null;

export interface Store {
  /** The newest revision this store has seen (the resourceVersion of a LIST). */
  readonly revision: number;
  /** Changes at or below this revision are gone: a watch from there gets 410 Expired. */
  readonly compactedRevision: number;
  /** Compaction runs so far (for metrics). */
  readonly compactions: number;
  /** Commits to the backend so far, and the writes they carried (several per commit where writes are grouped). */
  readonly groupCommits: number;
  readonly groupedWrites: number;
  /** The stored object; callers must not mutate it. */
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
  /** Objects of a resource, in one namespace or all; callers must not mutate them. */
  list(resource: string, namespace?: string): KubeObject[];
  count(resource: string): number;
  resources(): string[];
  /**
   * Write one change: `mutate` plans it against the current stored object, and the write
   * is stored only if that object is still the stored one (compare-and-swap on its
   * revision); when another write came first, `mutate` runs again on the newer object. The
   * promise settles once the change is committed and in this store's cache.
   */
  write(resource: string, namespace: string, name: string, mutate: Mutate): Promise<Change | null>;
  /** Changes after `revision` from memory; "expired" below compaction, "stored" when older than memory holds. */
  changesSince(revision: number): Change[] | "expired" | "stored";
  /** Changes after `revision` (of `resource` only, when given) from the backend, and the revision they run `through`. */
  storedChangesSince(revision: number, resource?: string): Promise<{ changes: Change[]; through: number } | "expired">;
  /** Changes after `revision`, from memory or the backend. */
  history(revision: number, resource?: string): Promise<Change[] | "expired">;
  /** Every change, in revision order, as the change feed delivers it. */
  subscribe(listener: (c: Change) => void): () => void;
  /** Drop history older than the retention window. */
  compact(): Promise<{ removed: number }>;
  /** Bytes of the database and its log (0 where the backend does not say). */
  sizes(): { db: number; wal: number };
  close(): Promise<void>;
  /** Health check: the backend answers and takes writes. */
  ping(): Promise<void>;
  /** True while only deletions are written (a full disk). */
  readonly diskFull: boolean;
  /** Where the backend is remote (etcd): `observe` hears each request's operation and seconds. */
  observeRequests?(observe: (operation: string, seconds: number) => void): void;
  /**
   * Values no two objects of `resource` may hold at once (a ClusterIP, a NodePort). A backend
   * that several servers write (etcd) claims them in the object's own write, so two servers
   * can never both take one; a store only this process writes needs nothing more (its writes
   * plan one at a time and see the writes planned before them).
   */
  declareUnique?(resource: string, claimsOf: (object: KubeObject) => string[]): void;
  /** Durability settings of the backend's connection (empty where they do not apply). */
  durability(): Promise<{ journalMode?: string; synchronous?: number }>;
}
