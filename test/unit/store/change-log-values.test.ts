// The change log keeps no second copy of an object's latest state: that value is read
// from the objects table, and moves into the change row once a later write supersedes
// it. After a restart the log must give back exactly what was published.
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { Store, type Change, type ValueCodec } from "../../../src/store/store.ts";
import { tempDatabases } from "./temp-databases.ts";

const databases = tempDatabases("skiff-store-log-");
afterEach(() => databases.removeAll());
const tempPath = () => databases.path();

const cm = (name: string, v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" }, data: { v } }) as KubeObject;
const put = (store: Store, name: string, v: string) => store.write("configmaps", "ns", name, (cur) => ({ type: cur ? "MODIFIED" : "ADDED", object: cm(name, v) }));
// A copy, as the API does: the store sets the deletion's resourceVersion on the object it is given.
const remove = (store: Store, name: string) => store.write("configmaps", "ns", name, (cur) => (cur ? { type: "DELETED", object: { ...cur, metadata: { ...cur.metadata } } } : null));
const summary = (log: Change[] | "expired") => (log === "expired" ? log : log.map((c) => `${c.revision} ${c.type} ${c.name} ${(c.object.data as Record<string, string> | undefined)?.v} rv=${c.object.metadata.resourceVersion}`));

// A codec that changes the stored text, so a value copied between tables undecoded would show.
const codec: ValueCodec = { encode: async (_r, json) => `enc:${json}`, decode: async (_r, stored) => stored.slice(4) };

for (const withCodec of [false, true]) {
  test(`every change survives a restart with its own value${withCodec ? " (encoded values)" : ""}`, async () => {
    const path = tempPath();
    const opts = { url: `file:${path}`, ...(withCodec ? { codec } : {}) };
    const store = await Store.open(opts);
    await put(store, "a", "1");
    await put(store, "b", "1");
    await put(store, "a", "2"); // supersedes a@1 in a later group
    await Promise.all([put(store, "b", "2"), put(store, "b", "3"), put(store, "c", "1")]); // b twice in one group
    await Promise.all([remove(store, "c"), put(store, "c", "again")]); // deleted and created in one group
    await remove(store, "a");
    const before = summary(await store.history(0));
    await store.close();

    const db = new Database(path, { readonly: true });
    const rows = db.query("SELECT revision, value FROM changes ORDER BY revision").all() as { revision: number; value: string }[];
    const live = db.query("SELECT revision FROM objects").all() as { revision: number }[];
    db.close();
    // Only the latest revisions of live objects leave their value to the objects table.
    expect(rows.filter((r) => r.value === "").map((r) => r.revision)).toEqual(live.map((r) => r.revision).sort((x, y) => x - y));

    const again = await Store.open(opts);
    expect(summary(await again.history(0))).toEqual(before);
    expect(before).toEqual([
      "1 ADDED a 1 rv=1",
      "2 ADDED b 1 rv=2",
      "3 MODIFIED a 2 rv=3",
      "4 MODIFIED b 2 rv=4",
      "5 MODIFIED b 3 rv=5",
      "6 ADDED c 1 rv=6",
      "7 DELETED c 1 rv=7",
      "8 ADDED c again rv=8",
      "9 DELETED a 2 rv=9",
    ]);
    // Updating after the restart still moves the superseded value into its change row.
    await put(again, "b", "4");
    await again.close();
    const third = await Store.open(opts);
    expect(summary(await third.history(4))).toEqual(["5 MODIFIED b 3 rv=5", "6 ADDED c 1 rv=6", "7 DELETED c 1 rv=7", "8 ADDED c again rv=8", "9 DELETED a 2 rv=9", "10 MODIFIED b 4 rv=10"]);
    await third.close();
  });
}

test("after compaction the kept changes still read back, and older ones are expired", async () => {
  const path = tempPath();
  const store = await Store.open({ url: `file:${path}`, retainChanges: 3 });
  for (let i = 0; i < 10; i++) await put(store, `o${i % 2}`, String(i));
  await store.compact();
  await store.close();
  const again = await Store.open({ url: `file:${path}`, retainChanges: 3 });
  expect(await again.history(2)).toBe("expired");
  expect(summary(await again.history(7))).toEqual(["8 MODIFIED o1 7 rv=8", "9 MODIFIED o0 8 rv=9", "10 MODIFIED o1 9 rv=10"]);
  expect(again.get("configmaps", "ns", "o0")!.data).toEqual({ v: "8" });
  await again.close();
});
