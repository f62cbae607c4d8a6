// The store's group commit: writes queued together share one transaction, keep their
// order and revisions, fail alone when their own check fails, and are all durable once
// acknowledged.
import { afterEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { Store, type Change, type ValueCodec } from "../../../src/store/store.ts";
import { tempDatabases } from "./temp-databases.ts";
import { cm, create, remove, update } from "./config-map-writes.ts";

const databases = tempDatabases("skiff-store-");
afterEach(() => databases.removeAll());
const tempUrl = () => `file:${databases.path()}`;

describe("group commit", () => {
  test("writes issued in one tick share one transaction, in issue order with consecutive revisions", async () => {
    const store = await Store.open({ url: tempUrl() });
    const seen: Change[] = [];
    store.subscribe((c) => seen.push(c));
    const commitsBefore = store.groupCommits;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => create(store, `c${i}`)));
    expect(store.groupCommits - commitsBefore).toBe(1);
    expect(results.map((c) => c!.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(seen.map((c) => c.name)).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
    expect(store.get("configmaps", "ns", "c49")!.metadata.resourceVersion).toBe("50");
    expect(store.revision).toBe(50);
    await store.close();
  });

  test("a write sees the writes queued before it in the same group", async () => {
    const store = await Store.open({ url: tempUrl() });
    const [a, b, c] = await Promise.all([create(store, "x", { v: "1" }), update(store, "x", { v: "2" }), update(store, "x", { v: "3" })]);
    expect([a!.type, b!.type, c!.type]).toEqual(["ADDED", "MODIFIED", "MODIFIED"]);
    expect(c!.previous?.data).toEqual({ v: "2" });
    expect(store.get("configmaps", "ns", "x")!.data).toEqual({ v: "3" });
    await store.close();
  });

  test("a failing check rejects only its own write and takes no revision", async () => {
    const store = await Store.open({ url: tempUrl() });
    await create(store, "taken");
    const outcomes = await Promise.allSettled([create(store, "a"), create(store, "taken"), create(store, "b"), remove(store, "nothing")]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe("taken exists");
    expect((outcomes[3] as PromiseFulfilledResult<Change | null>).value).toBeNull();
    expect(store.get("configmaps", "ns", "a")!.metadata.resourceVersion).toBe("2");
    expect(store.get("configmaps", "ns", "b")!.metadata.resourceVersion).toBe("3");
    expect(store.revision).toBe(3);
    await store.close();
  });

  test("a write that cannot be serialized fails alone", async () => {
    const store = await Store.open({ url: tempUrl() });
    const bad = store.write("configmaps", "ns", "bad", () => ({ type: "ADDED", object: { ...cm("bad"), data: { n: 1n } } as unknown as KubeObject }));
    const [a, b] = await Promise.all([create(store, "a"), create(store, "b"), bad.catch((e: Error) => e)]);
    expect(await bad.catch((e: Error) => e.constructor.name)).toBe("TypeError");
    expect([a!.revision, b!.revision]).toEqual([1, 2]);
    expect(store.get("configmaps", "ns", "bad")).toBeUndefined();
    await store.close();
  });

  test("a group the database refuses fails as a whole and publishes nothing", async () => {
    // A codec that stores NULL for one name makes the INSERT violate NOT NULL inside the transaction.
    const codec: ValueCodec = {
      encode: async (_r, json) => (json.includes('"name":"poison"') ? (null as unknown as string) : json),
      decode: async (_r, stored) => stored,
    };
    const url = tempUrl();
    const store = await Store.open({ url, codec });
    await create(store, "before");
    const seen: string[] = [];
    store.subscribe((c) => seen.push(c.name));
    const outcomes = await Promise.allSettled([create(store, "ok1"), create(store, "poison"), create(store, "ok2")]);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    expect(seen).toEqual([]);
    expect(store.revision).toBe(1);
    expect(store.get("configmaps", "ns", "ok1")).toBeUndefined();
    // The store goes on: the next write gets the next revision.
    expect((await create(store, "after"))!.revision).toBe(2);
    await store.close();
    const again = await Store.open({ url, codec });
    expect(again.list("configmaps").map((o) => o.metadata.name).sort()).toEqual(["after", "before"]);
    expect(again.revision).toBe(2);
    await again.close();
  });

  test("acknowledged writes are on disk: objects, the last state of each key, the change log and the revision", async () => {
    const url = tempUrl();
    const store = await Store.open({ url });
    await Promise.all([create(store, "kept", { v: "1" }), create(store, "gone"), update(store, "kept", { v: "2" }), remove(store, "gone"), create(store, "later")]);
    await Promise.all([remove(store, "later"), create(store, "later", { v: "new" })]);
    const revision = store.revision;
    await store.close();
    const again = await Store.open({ url });
    expect(again.revision).toBe(revision);
    expect(again.list("configmaps").map((o) => [o.metadata.name, o.data, o.metadata.resourceVersion])).toEqual([
      ["kept", { v: "2" }, "3"],
      ["later", { v: "new" }, "7"],
    ]);
    const log = await again.history(0);
    expect(log === "expired" ? log : log.map((c) => `${c.revision} ${c.type} ${c.name}`)).toEqual(["1 ADDED kept", "2 ADDED gone", "3 MODIFIED kept", "4 DELETED gone", "5 ADDED later", "6 DELETED later", "7 ADDED later"]);
    await again.close();
  });

  test("more writes than one group or one statement holds are all stored, in order", async () => {
    const url = tempUrl();
    const store = await Store.open({ url });
    const results = await Promise.all(Array.from({ length: 2300 }, (_, i) => create(store, `m${i}`)));
    expect(results.map((c) => c!.revision)).toEqual(Array.from({ length: 2300 }, (_, i) => i + 1));
    expect(store.groupCommits).toBeGreaterThanOrEqual(3);
    await store.close();
    const again = await Store.open({ url });
    expect(again.count("configmaps")).toBe(2300);
    expect(again.get("configmaps", "ns", "m2299")!.metadata.resourceVersion).toBe("2300");
    await again.close();
  });

  test("writes after close are refused; close waits for queued writes", async () => {
    const store = await Store.open({ url: tempUrl() });
    const pending = create(store, "last");
    await store.close();
    expect((await pending)!.revision).toBe(1);
    await expect(create(store, "late")).rejects.toThrow("store is closed");
  });
});

describe("change log", () => {
  test("watch resume: changes after a revision, 410 once compaction dropped them", async () => {
    const store = await Store.open({ url: tempUrl(), retainChanges: 5 });
    for (let i = 0; i < 12; i++) await create(store, `w${i}`);
    const tail = await store.history(9);
    expect(tail === "expired" ? tail : tail.map((c) => c.revision)).toEqual([10, 11, 12]);
    const { removed } = await store.compact();
    expect(removed).toBeGreaterThan(0);
    expect(store.compactedRevision).toBe(7);
    expect(await store.history(3)).toBe("expired");
    const kept = await store.history(7);
    expect(kept === "expired" ? kept : kept.map((c) => c.revision)).toEqual([8, 9, 10, 11, 12]);
    await store.close();
  });

  test("compaction gets its turn while writers keep the queue busy", async () => {
    const store = await Store.open({ url: tempUrl(), retainChanges: 10 });
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; writing; i++) {
        await create(store, `busy-${w}-${i}`);
        written++;
      }
    });
    while (written < 200) await Bun.sleep(1);
    const started = performance.now();
    const revisionBefore = store.revision;
    await store.compact();
    const waited = performance.now() - started;
    const writtenAtCompaction = written;
    writing = false;
    await Promise.all(writers);
    expect(store.compactedRevision).toBeGreaterThanOrEqual(revisionBefore - 10);
    expect(waited).toBeLessThan(2_000);
    expect(writtenAtCompaction).toBeGreaterThanOrEqual(200);
    await store.close();
  });

  test("only a small tail is held in memory; older history is rebuilt from the database, exactly", async () => {
    const store = await Store.open({ url: tempUrl(), retainChanges: 1000, memoryChanges: 10 });
    // The version before each change too (watch filters need it); a deletion may carry the deleted object itself.
    const describe = (log: Change[] | "expired") => (log === "expired" ? [log] : log.map((c) => `${c.revision} ${c.type} ${c.name} ${JSON.stringify(c.object)} ${c.type === "DELETED" ? "" : (c.previous?.metadata.resourceVersion ?? "-")}`));
    const published: string[] = [];
    store.subscribe((c) => published.push(describe([c])[0]!));
    await Promise.all(Array.from({ length: 60 }, (_, i) => create(store, `b${i}`)));
    for (let i = 0; i < 60; i++) await update(store, `b${i % 7}`, { v: String(i) });
    await Promise.all([remove(store, "b1"), remove(store, "b2")]);
    expect(published).toHaveLength(122);
    // The tail answers alone for the newest changes; anything older is "stored".
    expect(store.changesSince(store.revision - 10)).toHaveLength(10);
    expect(store.changesSince(store.revision - 30)).toBe("stored");
    // Rebuilt from rows (and, once compaction packed them, from blocks): what was published.
    expect(describe(await store.history(0))).toEqual(published);
    await store.compact();
    expect(describe(await store.history(0))).toEqual(published);
    const fromDisk = await store.storedChangesSince(5, "configmaps");
    expect(fromDisk === "expired" ? fromDisk : fromDisk.through).toBe(store.revision);
    expect(describe(fromDisk === "expired" ? fromDisk : fromDisk.changes)).toEqual(published.slice(5));
    await store.close();
  });
});
