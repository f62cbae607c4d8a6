// Compaction's vacuum steps stop once nothing more can be handed back, even on a database
// made before incremental auto-vacuum (where a vacuum step frees nothing).
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { Store } from "../../../src/store/store.ts";
import { ddl } from "../../../src/store/schema.ts";
import { tempDatabases } from "./temp-databases.ts";

const databases = tempDatabases("skiff-store-vacuum-");
afterEach(() => databases.removeAll());

const cm = (name: string, v: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" }, data: { v: v.repeat(2000) } }) as KubeObject;

for (const made of ["by the store", "without auto-vacuum"]) {
  test(`compaction finishes and frees what it can on a database made ${made}`, async () => {
    const path = databases.path();
    if (made !== "by the store") {
      const db = new Database(path);
      for (const stmt of ddl) db.run(stmt);
      db.close();
    }
    const store = await Store.open({ url: `file:${path}`, retainChanges: 10 });
    for (let i = 0; i < 300; i++) await store.write("configmaps", "ns", `o${i % 20}`, (cur) => ({ type: cur ? "MODIFIED" : "ADDED", object: cm(`o${i % 20}`, String(i % 10)) }));
    for (let i = 0; i < 20; i++) await store.write("configmaps", "ns", `o${i}`, (cur) => (cur ? { type: "DELETED", object: cur } : null));
    const done = await Promise.race([store.compact().then(() => "done"), Bun.sleep(20_000).then(() => "still running after 20 s")]);
    expect(done).toBe("done");
    await store.close();
    const db = new Database(path, { readonly: true });
    const mode = (db.query("PRAGMA auto_vacuum").get() as { auto_vacuum: number }).auto_vacuum;
    const free = (db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
    db.close();
    expect(mode).toBe(made === "by the store" ? 2 : 0);
    if (mode === 2) expect(free).toBe(0);
    else expect(free).toBeGreaterThan(0);
  });
}
