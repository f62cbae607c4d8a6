// What every store backend must do alike, run against each: the SQLite file and a real etcd.
// Writes are compare-and-swaps planned against the current object, revisions grow and are
// the objects' resourceVersions, subscribers hear every change in order, history replays
// from a revision (from memory or the backend) and answers "expired" below compaction.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import type { Change, Store, ValueCodec } from "../../../src/store/store-interface.ts";
import { Store as SqliteStore } from "../../../src/store/store.ts";
import { EtcdStore } from "../../../src/store/etcd/etcd-store.ts";
import { b64, EtcdClient, unb64 } from "../../../src/store/etcd/client.ts";
import { startEtcd, type EtcdCluster } from "../../support/etcd.ts";
import { tempDatabases } from "./temp-databases.ts";
import { create, remove, update } from "./config-map-writes.ts";

type Opts = { codec?: ValueCodec; retainChanges?: number; memoryChanges?: number };
type Backend = {
  name: string;
  /** A fresh, empty store; `again` opens another store on the same data as the last one made. */
  open(opts?: Opts, again?: boolean): Promise<Store>;
  /** The stored bytes of a key, as the backend holds them. */
  raw(resource: string, namespace: string, name: string): Promise<string | undefined>;
};

const databases = tempDatabases("skiff-conformance-");
let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterAll(async () => {
  await etcd?.stop();
  databases.removeAll();
});

let lastPath = "";
let lastPrefix = "";
let prefixes = 0;
const sqlite: Backend = {
  name: "sqlite",
  async open(opts = {}, again = false) {
    if (!again) lastPath = databases.path();
    return SqliteStore.open({ url: `file:${lastPath}`, ...opts });
  },
  async raw(resource, namespace, name) {
    const { createClient } = await import("@libsql/client");
    const c = createClient({ url: `file:${lastPath}` });
    try {
      const r = await c.execute({ sql: "select value from objects where resource = ? and namespace = ? and name = ?", args: [resource, namespace, name] });
      return r.rows[0]?.[0] as string | undefined;
    } finally {
      c.close();
    }
  },
};
const etcdBackend: Backend = {
  name: "etcd",
  async open(opts = {}, again = false) {
    if (!again) lastPrefix = `/conformance-${process.pid}-${++prefixes}/`;
    return EtcdStore.open({ endpoints: etcd.endpoints, prefix: lastPrefix, ...opts });
  },
  async raw(resource, namespace, name) {
    const r = await new EtcdClient({ endpoints: etcd.endpoints }).range(b64(`${lastPrefix}${resource}/${namespace}/${name}`), undefined);
    return r.kvs?.[0] ? unb64(r.kvs[0].value) : undefined;
  },
};

const opened: Store[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close().catch(() => undefined);
});

describe.each([
  ["sqlite", sqlite],
  ["etcd", etcdBackend],
] as const)("store conformance on %s", (_, backend: Backend) => {
  const open = async (opts?: Opts, again?: boolean) => {
    const s = await backend.open(opts, again);
    opened.push(s);
    return s;
  };

  test(`${backend.name}: create, update, delete: growing revisions that are the resourceVersions`, async () => {
    const store = await open();
    const start = store.revision;
    const a = await create(store, "a", { v: "1" });
    expect(a!.type).toBe("ADDED");
    expect(a!.revision).toBeGreaterThan(start);
    expect(a!.object.metadata.resourceVersion).toBe(String(a!.revision));
    expect(store.get("configmaps", "ns", "a")!.metadata.resourceVersion).toBe(String(a!.revision));
    expect(store.revision).toBe(a!.revision);
    const b = await update(store, "a", { v: "2" });
    expect(b!.type).toBe("MODIFIED");
    expect(b!.revision).toBeGreaterThan(a!.revision);
    expect(b!.previous?.data).toEqual({ v: "1" });
    expect(store.get("configmaps", "ns", "a")!.data).toEqual({ v: "2" });
    await create(store, "b");
    expect(store.list("configmaps", "ns").map((o) => o.metadata.name).sort()).toEqual(["a", "b"]);
    expect(store.list("configmaps", "other")).toEqual([]);
    expect(store.count("configmaps")).toBe(2);
    expect(store.resources()).toContain("configmaps");
    const d = await remove(store, "a");
    expect(d!.type).toBe("DELETED");
    expect(d!.object.metadata.resourceVersion).toBe(String(d!.revision));
    expect(store.get("configmaps", "ns", "a")).toBeUndefined();
    expect(await remove(store, "a")).toBeNull();
  });

  test(`${backend.name}: a failing mutate fails alone and stores nothing`, async () => {
    const store = await open();
    await create(store, "x");
    const [dup, other] = await Promise.allSettled([create(store, "x"), create(store, "y")]);
    expect(dup.status).toBe("rejected");
    expect((dup as PromiseRejectedResult).reason.message).toBe("x exists");
    expect(other.status).toBe("fulfilled");
    expect(store.count("configmaps")).toBe(2);
  });

  test(`${backend.name}: writes of one key issued together apply in issue order, each seeing the one before`, async () => {
    const store = await open();
    const [a, b, c] = await Promise.all([create(store, "k", { v: "1" }), update(store, "k", { v: "2" }), update(store, "k", { v: "3" })]);
    expect([a!.type, b!.type, c!.type]).toEqual(["ADDED", "MODIFIED", "MODIFIED"]);
    expect(c!.previous?.data).toEqual({ v: "2" });
    expect(a!.revision < b!.revision && b!.revision < c!.revision).toBe(true);
    expect(store.get("configmaps", "ns", "k")!.data).toEqual({ v: "3" });
  });

  test(`${backend.name}: subscribers hear every change once, in revision order, with the object before it`, async () => {
    const store = await open();
    const seen: Change[] = [];
    store.subscribe((c) => seen.push(c));
    const acks = await Promise.all(Array.from({ length: 40 }, (_, i) => create(store, `c${i}`)));
    await update(store, "c0", { v: "x" });
    await remove(store, "c1");
    expect(seen.length).toBe(42);
    // Writes of different keys may commit in any order (etcd runs their txns side by side); the feed follows the revisions.
    expect(seen.slice(0, 40).map((c) => c.revision)).toEqual(acks.map((c) => c!.revision).sort((x, y) => x - y));
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.revision).toBeGreaterThan(seen[i - 1]!.revision);
    expect(seen[40]!.type).toBe("MODIFIED");
    expect(seen[40]!.previous?.metadata.name).toBe("c0");
    expect(seen[41]!.type).toBe("DELETED");
    expect(seen[41]!.object.metadata.name).toBe("c1");
  });

  test(`${backend.name}: history from a revision, from memory and from the backend, per resource`, async () => {
    const store = await open({ memoryChanges: 5 });
    const start = store.revision;
    const acks: Change[] = [];
    for (let i = 0; i < 20; i++) acks.push((await create(store, `h${i}`))!);
    await store.write("secrets", "ns", "s", () => ({ type: "ADDED", object: { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "ns" } } as KubeObject }));
    // The newest few are in memory.
    const recent = store.changesSince(acks[18]!.revision);
    expect(Array.isArray(recent) && recent.map((c) => c.revision)).toEqual([acks[19]!.revision, store.revision]);
    // Older ones come from the backend, with the object before each change.
    expect(store.changesSince(start)).toBe("stored");
    const all = await store.history(start, "configmaps");
    expect(all).not.toBe("expired");
    expect((all as Change[]).map((c) => c.revision)).toEqual(acks.map((c) => c.revision));
    const stored = await store.storedChangesSince(acks[9]!.revision);
    expect(stored).not.toBe("expired");
    const s = stored as { changes: Change[]; through: number };
    expect(s.through).toBe(store.revision);
    expect(s.changes.map((c) => c.name)).toEqual([...acks.slice(10).map((c) => c.name), "s"]);
    expect(s.changes.every((c) => c.type === "ADDED")).toBe(true);
  });

  test(`${backend.name}: compaction expires history below the retention window`, async () => {
    const store = await open({ retainChanges: 5, memoryChanges: 5 });
    const start = store.revision;
    for (let i = 0; i < 20; i++) await create(store, `p${i}`);
    await store.compact();
    expect(store.compactedRevision).toBeGreaterThan(start);
    expect(store.compactions).toBe(1);
    expect(store.changesSince(start)).toBe("expired");
    expect(await store.history(start)).toBe("expired");
    expect(await store.storedChangesSince(start)).toBe("expired");
    const kept = await store.history(store.revision - 3);
    expect(Array.isArray(kept) && kept.length).toBe(3);
    expect(store.count("configmaps")).toBe(20);
    // The cut holds for the next store on the same data: the change just above it is kept, the one at it is gone.
    const cut = store.compactedRevision;
    const last = store.revision;
    await store.close();
    const again = await open({ retainChanges: 5, memoryChanges: 5 }, true);
    expect(again.compactedRevision).toBe(cut);
    expect(await again.history(cut - 1)).toBe("expired");
    const after = await again.history(cut);
    expect(Array.isArray(after) && after.map((c) => c.revision).at(-1)).toBe(last);
  });

  test(`${backend.name}: values go through the codec at rest and come back on reopen with their revisions`, async () => {
    const codec: ValueCodec = {
      encode: async (resource, json) => (resource === "secrets" ? `sealed:${Buffer.from(json).toString("hex")}` : json),
      decode: async (resource, stored) => (resource === "secrets" ? Buffer.from(stored.slice(7), "hex").toString() : stored),
    };
    const store = await open({ codec });
    const c = await store.write("secrets", "ns", "token", () => ({ type: "ADDED", object: { apiVersion: "v1", kind: "Secret", metadata: { name: "token", namespace: "ns" }, data: { k: "dmFsdWU=" } } as KubeObject }));
    await create(store, "plain", { a: "b" });
    const raw = await backend.raw("secrets", "ns", "token");
    expect(raw!.startsWith("sealed:")).toBe(true);
    expect(raw).not.toContain("dmFsdWU=");
    expect(await backend.raw("configmaps", "ns", "plain")).toContain('"a":"b"');
    await store.close();
    const again = await open({ codec }, true);
    const s = again.get("secrets", "ns", "token")!;
    expect(s.data).toEqual({ k: "dmFsdWU=" });
    expect(s.metadata.resourceVersion).toBe(String(c!.revision));
    expect(again.revision).toBeGreaterThanOrEqual(c!.revision);
    expect(again.get("configmaps", "ns", "plain")!.data).toEqual({ a: "b" });
  });

  test(`${backend.name}: ping answers on a healthy backend`, async () => {
    const store = await open();
    await store.ping();
    expect(store.diskFull).toBe(false);
  });
});
