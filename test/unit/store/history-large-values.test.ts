// Large values (Helm's release Secrets are tens of KB) are packed a few to a block, so no
// compaction step compresses megabytes at once, and they read back exactly after a restart.
import { afterEach, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { Store } from "../../../src/store/store.ts";
import { BLOCK_BYTES } from "../../../src/store/history-blocks.ts";
import { tempDatabases } from "./temp-databases.ts";

const databases = tempDatabases("skiff-store-large-");
afterEach(() => databases.removeAll());

const secret = (i: number, kb: number) => ({ apiVersion: "v1", kind: "Secret", metadata: { name: `release.v${i}`, namespace: "ns" }, data: { release: Buffer.from(crypto.getRandomValues(new Uint8Array(kb * 750))).toString("base64") } }) as KubeObject;

test("large settled values go a few to a block, and read back exactly", async () => {
  const path = databases.path();
  const store = await Store.open({ url: `file:${path}`, retainChanges: 100_000 });
  const published: string[] = [];
  store.subscribe((c) => published.push(`${c.revision} ${c.type} ${c.name} ${JSON.stringify(c.object)}`));
  // 600 releases of 30 KB (one of 200 KB), each deleted once ten newer exist: 590 full values of deleted ones settle.
  for (let i = 0; i < 600; i++) {
    await store.write("secrets", "ns", `release.v${i}`, () => ({ type: "ADDED", object: secret(i, i === 300 ? 200 : 30) }));
    if (i >= 10) await store.write("secrets", "ns", `release.v${i - 10}`, (cur) => (cur ? { type: "DELETED", object: cur } : null));
  }
  await store.compact();
  await store.close();

  const db = new Database(path, { readonly: true });
  const blocks = db.query("SELECT first, last FROM history_blocks ORDER BY last").all() as { first: number; last: number }[];
  const rowsLeft = (db.query("SELECT count(*) AS n FROM changes WHERE value != ''").get() as { n: number }).n;
  db.close();
  // 590 values of some 30 KB of JSON: two to a 64 KB block (not 500 rows' worth in one).
  expect(BLOCK_BYTES).toBe(64 * 1024);
  expect(blocks.length).toBeGreaterThanOrEqual(590 / 2);
  expect(rowsLeft).toBeLessThan(500);

  const again = await Store.open({ url: `file:${path}`, retainChanges: 100_000 });
  const log = await again.history(0);
  expect(log === "expired" ? log : log.map((c) => `${c.revision} ${c.type} ${c.name} ${JSON.stringify(c.object)}`)).toEqual(published);
  await again.close();
});
