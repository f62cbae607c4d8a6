// Change history is stored compactly (reverse deltas, packed into compressed blocks by
// compaction) yet must give back, after a restart, exactly the objects that were
// published: byte for byte, whatever the changes did to key order, and also from a
// database written before deltas (full values in change rows).
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { Store, type Change, type ValueCodec } from "../../../src/store/store.ts";
import { tempDatabases } from "./temp-databases.ts";

const databases = tempDatabases("skiff-store-deltas-");
afterEach(() => databases.removeAll());

const history = async (store: Store, after = 0) => {
  const log = await store.history(after);
  if (log === "expired") throw new Error("history expired");
  return log.map((c: Change) => `${c.revision} ${c.type} ${c.resource} ${c.namespace}/${c.name} ${JSON.stringify(c.object)}`);
};
const write = (store: Store, name: string, make: (cur: KubeObject | undefined) => KubeObject | null) =>
  store.write("configmaps", "ns", name, (cur) => {
    const object = make(cur);
    return object ? { type: cur ? "MODIFIED" : "ADDED", object } : null;
  });
const copy = (o: KubeObject) => JSON.parse(JSON.stringify(o)) as KubeObject;

// A codec that changes the stored text (deltas and full values alike go through it).
const codec: ValueCodec = { encode: async (_r, json) => `enc:${[...json].reverse().join("")}`, decode: async (_r, stored) => [...stored.slice(4)].reverse().join("") };

for (const withCodec of [false, true]) {
  test(`objects changed many ways read back byte-equal after compaction packs them and a restart${withCodec ? " (encoded values)" : ""}`, async () => {
    const url = `file:${databases.path()}`;
    const opts = { url, retainChanges: 5000, ...(withCodec ? { codec } : {}) };
    const store = await Store.open(opts);
    for (let i = 0; i < 40; i++) await write(store, `o${i}`, () => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `o${i}`, namespace: "ns", labels: { a: "1", b: "2" } }, data: { x: "1", y: "2", z: "3" } }) as KubeObject);
    for (let round = 0; round < 60; round++) {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          write(store, `o${i}`, (cur) => {
            const o = copy(cur!);
            const data = o.data as Record<string, unknown>;
            switch ((round + i) % 6) {
              case 0: data.y = `v${round}`; break; // one value
              case 1: delete data.y; break; // a key goes from the middle (its return changes the order)
              case 2: data.y = `back${round}`; break;
              case 3: o.metadata.labels = { b: "2", a: String(round) }; break; // key order alone changes
              case 4: (o as Record<string, unknown>).data = { ...data, n: null, list: [round, { deep: [1, 2] }] }; break; // null values, arrays
              case 5: o.metadata.annotations = { "__proto__": "x", note: "é\u2028" }; break;
            }
            return o;
          }),
        ),
      );
      if (round % 10 === 9) await Promise.all([store.write("configmaps", "ns", `o${round % 40}`, (cur) => ({ type: "DELETED", object: copy(cur!) })), write(store, `o${round % 40}`, () => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `o${round % 40}`, namespace: "ns" }, data: { y: "new" } }) as KubeObject)]);
    }
    const live = await history(store);
    expect(live.length).toBe(40 + 60 * 40 + 6 * 2);
    const count = (sql: string) => {
      const db = new Database(url.slice(5), { readonly: true });
      const n = (db.query(sql).get() as { n: number }).n;
      db.close();
      return n;
    };
    // Most superseded values are deltas; the rest (order changes, null values) full ones.
    const deltas = count("SELECT count(*) AS n FROM changes WHERE type IN ('a', 'm')");
    const full = count("SELECT count(*) AS n FROM changes WHERE type IN ('A', 'M') AND value != ''");
    expect(deltas).toBeGreaterThan(live.length / 2);
    expect(full).toBeGreaterThan(0);
    await store.compact();
    await store.close();
    expect(count("SELECT count(*) AS n FROM history_blocks")).toBeGreaterThan(0); // compaction packed the settled history
    expect(count("SELECT count(*) AS n FROM changes")).toBeLessThan(1000);
    const again = await Store.open(opts);
    expect(await history(again)).toEqual(live);
    // Writing on after the restart supersedes the loaded values as before.
    await write(again, "o1", (cur) => ({ ...copy(cur!), data: { after: "restart" } }));
    const more = await history(again);
    await again.close();
    const third = await Store.open(opts);
    expect(await history(third)).toEqual(more);
    await third.close();
  });
}

test("a database written before deltas (spelled-out types, full values in change rows) loads and goes on", async () => {
  const path = databases.path();
  const old = new Database(path);
  old.run("CREATE TABLE objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, revision INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID");
  old.run("CREATE TABLE changes (revision INTEGER PRIMARY KEY, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL)");
  old.run("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const cm = (name: string, v: string, rv: number) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns", resourceVersion: String(rv) }, data: { v } });
  const rows: [number, string, string, string][] = [
    [1, "a", "ADDED", cm("a", "1", 1)],
    [2, "b", "ADDED", cm("b", "1", 2)],
    [3, "a", "MODIFIED", cm("a", "2", 3)],
    [4, "b", "DELETED", cm("b", "1", 4)],
    [5, "a", "MODIFIED", ""], // the latest change of a live object: its value is the object row's
  ];
  for (const [rev, name, type, value] of rows) old.run("INSERT INTO changes VALUES (?, 'configmaps', 'ns', ?, ?, ?)", [rev, name, type, value]);
  old.run("INSERT INTO objects VALUES ('configmaps', 'ns', 'a', 5, ?)", [cm("a", "3", 5)]);
  old.run("INSERT INTO meta VALUES ('revision', 5)");
  old.close();

  const expected = [
    `1 ADDED configmaps ns/a ${cm("a", "1", 1)}`,
    `2 ADDED configmaps ns/b ${cm("b", "1", 2)}`,
    `3 MODIFIED configmaps ns/a ${cm("a", "2", 3)}`,
    `4 DELETED configmaps ns/b ${cm("b", "1", 4)}`,
    `5 MODIFIED configmaps ns/a ${cm("a", "3", 5)}`,
  ];
  const store = await Store.open({ url: `file:${path}` });
  expect(await history(store)).toEqual(expected);
  // The old row of a's latest change now gets a delta against the new one.
  await write(store, "a", (cur) => ({ ...copy(cur!), data: { v: "4" } }));
  await store.close();
  const db = new Database(path, { readonly: true });
  expect(db.query("SELECT type, value FROM changes WHERE revision = 5").get()).toEqual({ type: "m", value: '{"data":{"v":"3"}}' });
  db.close();
  const again = await Store.open({ url: `file:${path}` });
  expect(await history(again)).toEqual([...expected, `6 MODIFIED configmaps ns/a ${cm("a", "4", 6)}`]);
  await again.close();
});
