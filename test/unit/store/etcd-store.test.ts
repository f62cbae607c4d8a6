// The etcd store with several processes' worth of stores on one real etcd: a write through
// one reaches the others' subscribers in order, with no gap and no duplicate; writes racing
// through two stores are serialized by compare-and-swap; a member killed during writes
// loses none that were acknowledged.
import { afterEach, describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import type { Change } from "../../../src/store/store-interface.ts";
import { EtcdStore } from "../../../src/store/etcd/etcd-store.ts";
import { b64, EtcdClient, prefixEnd } from "../../../src/store/etcd/client.ts";
import { freshPrefix, startEtcd, type EtcdCluster } from "../../support/etcd.ts";
import { relay } from "../../support/etcd-relay.ts";
import { freePort } from "../../support/server.ts";
import { cm, create } from "./config-map-writes.ts";

const clusters: EtcdCluster[] = [];
const stores: EtcdStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  for (const c of clusters.splice(0)) await c.stop();
});
async function cluster(size: 1 | 3 = 1) {
  const c = await startEtcd(size);
  clusters.push(c);
  return c;
}
async function open(endpoints: string[], prefix: string) {
  const s = await EtcdStore.open({ endpoints, prefix });
  stores.push(s);
  return s;
}

/** Increment a counter in a ConfigMap: a read-modify-write that must not lose an increment. */
const increment = (store: EtcdStore, name: string) =>
  store.write("configmaps", "ns", name, (cur) => {
    const n = Number((cur?.data as Record<string, string> | undefined)?.n ?? 0) + 1;
    return cur ? { type: "MODIFIED", object: { ...cur, data: { n: String(n) } } as KubeObject } : { type: "ADDED", object: cm(name, { n: String(n) }) };
  });

describe("etcd store", () => {
  test("writes through A reach a subscriber on B in revision order, with no gap and no duplicate", async () => {
    const etcd = await cluster();
    const prefix = freshPrefix();
    const a = await open(etcd.endpoints, prefix);
    const b = await open(etcd.endpoints, prefix);
    const seen: Change[] = [];
    b.subscribe((c) => seen.push(c));
    const acked: Change[] = [];
    for (let round = 0; round < 4; round++) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, i) => create(a, `o${round}-${i}`, { round: String(round) })));
      acked.push(...batch.map((c) => c!));
    }
    acked.push((await increment(a, "o0-0"))!);
    const last = acked.reduce((m, c) => Math.max(m, c.revision), 0);
    for (let i = 0; i < 200 && b.revision < last; i++) await Bun.sleep(10);
    expect(seen.map((c) => c.revision)).toEqual(acked.map((c) => c.revision).sort((x, y) => x - y));
    expect(new Set(seen.map((c) => `${c.name}@${c.revision}`)).size).toBe(201);
    expect(seen.at(-1)!.type).toBe("MODIFIED");
    expect(seen.at(-1)!.previous?.data).toEqual({ round: "0" });
    expect(b.count("configmaps")).toBe(200);
    expect(b.get("configmaps", "ns", "o3-49")!.metadata.resourceVersion).toBe(String(acked[199]!.revision));
  });

  test("racing read-modify-writes through two stores are serialized by compare-and-swap: none lost", async () => {
    const etcd = await cluster();
    const prefix = freshPrefix();
    const a = await open(etcd.endpoints, prefix);
    const b = await open(etcd.endpoints, prefix);
    await increment(a, "counter");
    const writes: Promise<Change | null>[] = [];
    for (let i = 0; i < 40; i++) writes.push(increment(a, "counter"), increment(b, "counter"));
    const changes = await Promise.all(writes);
    expect(new Set(changes.map((c) => c!.revision)).size).toBe(80);
    expect(a.conflicts + b.conflicts).toBeGreaterThan(0);
    const last = Math.max(...changes.map((c) => c!.revision));
    for (let i = 0; i < 200 && (a.revision < last || b.revision < last); i++) await Bun.sleep(10);
    expect(a.get("configmaps", "ns", "counter")!.data).toEqual({ n: "81" });
    expect(b.get("configmaps", "ns", "counter")!.data).toEqual({ n: "81" });
  });

  test("a precondition on the revision fails for the loser of a race between two stores", async () => {
    const etcd = await cluster();
    const prefix = freshPrefix();
    const a = await open(etcd.endpoints, prefix);
    const b = await open(etcd.endpoints, prefix);
    const first = (await create(a, "guarded", { v: "0" }))!;
    for (let i = 0; i < 200 && !b.get("configmaps", "ns", "guarded"); i++) await Bun.sleep(10);
    const expectRevision = first.object.metadata.resourceVersion;
    const guarded = (store: EtcdStore, v: string) =>
      store.write("configmaps", "ns", "guarded", (cur) => {
        if (cur!.metadata.resourceVersion !== expectRevision) throw new Error("conflict: the object has been modified");
        return { type: "MODIFIED", object: { ...cur!, data: { v } } as KubeObject };
      });
    const results = await Promise.allSettled([guarded(a, "a"), guarded(b, "b")]);
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason.message).toContain("conflict");
  });

  test("a dead endpoint first in the list: requests and the watch go to the next", async () => {
    const etcd = await cluster();
    const dead = `http://127.0.0.1:${freePort()}`;
    const prefix = freshPrefix();
    const a = await open([dead, ...etcd.endpoints], prefix);
    const b = await open(etcd.endpoints, prefix);
    const seen: number[] = [];
    a.subscribe((c) => seen.push(c.revision));
    const c = await create(b, "via-b");
    for (let i = 0; i < 200 && !seen.length; i++) await Bun.sleep(10);
    expect(seen).toEqual([c!.revision]);
    expect((await create(a, "via-a"))!.type).toBe("ADDED");
    await a.ping();
  });

  test("a feed that fell behind etcd's compaction loads the state again and publishes the difference", async () => {
    const etcd = await cluster();
    const prefix = freshPrefix();
    const a = await open(etcd.endpoints, prefix);
    const link = relay(etcd.endpoints[0]!);
    const b = await open([link.url], prefix);
    for (const n of ["stays", "changes", "goes"]) await create(a, n, { v: "1" });
    for (let i = 0; i < 200 && b.count("configmaps") < 3; i++) await Bun.sleep(10);
    const before = b.revision;
    const seen: Change[] = [];
    b.subscribe((c) => seen.push(c));
    link.cut();
    await increment(a, "changes");
    await a.write("configmaps", "ns", "goes", (cur) => ({ type: "DELETED", object: cur! }));
    await create(a, "new");
    // Compact everything the cut-off store has not seen.
    await a.client.call("/v3/kv/compaction", { revision: String(a.revision) });
    link.restore();
    for (let i = 0; i < 500 && b.revision < a.revision; i++) await Bun.sleep(10);
    expect(b.revision).toBe(a.revision);
    expect(b.list("configmaps", "ns").map((o) => o.metadata.name).sort()).toEqual(["changes", "new", "stays"]);
    expect(b.get("configmaps", "ns", "changes")!.metadata.resourceVersion).toBe(a.get("configmaps", "ns", "changes")!.metadata.resourceVersion);
    expect(seen.map((c) => `${c.type} ${c.name}`).sort()).toEqual(["ADDED new", "DELETED goes", "MODIFIED changes"]);
    expect(b.compactedRevision).toBeGreaterThan(before);
    expect(await b.history(before)).toBe("expired");
    // The feed goes on from there.
    const next = (await create(a, "after"))!;
    for (let i = 0; i < 200 && b.revision < next.revision; i++) await Bun.sleep(10);
    expect(seen.at(-1)!.name).toBe("after");
    link.cut();
  });

  test("SIGKILL of one member of three during 300 acknowledged creates loses none, and a watcher sees them all in order", async () => {
    const etcd = await cluster(3);
    const prefix = freshPrefix();
    const writer = await open(etcd.endpoints, prefix);
    // The watcher talks to another member than the one killed.
    const watcher = await open([etcd.endpoints[2]!, etcd.endpoints[1]!], prefix);
    const seen: Change[] = [];
    watcher.subscribe((c) => seen.push(c));
    const victim = etcd.endpoints.indexOf(writer.client.endpoint);
    expect(victim).toBe(0);
    const acked: Change[] = [];
    const failed: unknown[] = [];
    let killed = false;
    for (let round = 0; round < 15; round++) {
      const batch = Array.from({ length: 20 }, (_, i) => create(writer, `k${round * 20 + i}`).then((c) => acked.push(c!), (e) => failed.push(e)));
      if (round === 5) {
        await Bun.sleep(5);
        await etcd.kill(victim);
        killed = true;
      }
      await Promise.all(batch);
    }
    expect(killed).toBe(true);
    expect(failed).toEqual([]);
    expect(acked.length).toBe(300);
    // Every acknowledged create is in etcd, read through a surviving member.
    const raw = await new EtcdClient({ endpoints: [etcd.endpoints[1]!] }).range(b64(prefix), prefixEnd(prefix), { count_only: true });
    expect(Number(raw.count)).toBe(300);
    const last = Math.max(...acked.map((c) => c.revision));
    for (let i = 0; i < 500 && watcher.revision < last; i++) await Bun.sleep(10);
    expect(seen.map((c) => c.revision)).toEqual(acked.map((c) => c.revision).sort((x, y) => x - y));
    expect(new Set(seen.map((c) => c.name)).size).toBe(300);
  }, 120_000);
});
