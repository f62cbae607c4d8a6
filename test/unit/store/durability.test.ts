// An acknowledged write must survive a power cut: the store's own connection runs WAL
// with synchronous=FULL (2), so every commit syncs the WAL before it is acknowledged.
import { afterEach, expect, test } from "bun:test";
import { Store } from "../../../src/store/store.ts";
import { startTestServer } from "../../support/server.ts";
import { tempDatabases } from "./temp-databases.ts";

const databases = tempDatabases("skiff-store-sync-");
afterEach(() => databases.removeAll());

test("a store file runs WAL with synchronous=FULL unless told NORMAL", async () => {
  const full = await Store.open({ url: `file:${databases.path()}` });
  expect(await full.durability()).toEqual({ journalMode: "wal", synchronous: 2 });
  await full.close();
  // The setting is per connection and not kept in the file: reopening sets it again.
  const path = databases.path();
  const normal = await Store.open({ url: `file:${path}`, synchronous: "NORMAL" });
  expect(await normal.durability()).toEqual({ journalMode: "wal", synchronous: 1 });
  await normal.close();
  const reopened = await Store.open({ url: `file:${path}` });
  expect((await reopened.durability()).synchronous).toBe(2);
  await reopened.close();
});

test("the server's store syncs every commit", async () => {
  const server = await startTestServer();
  try {
    expect(await server.store.durability()).toEqual({ journalMode: "wal", synchronous: 2 });
  } finally {
    await server.cleanup();
  }
});
