// Watch semantics: synthetic ADDED for resourceVersion=0, resume from a resourceVersion,
// label-selector transitions, BOOKMARKs, 410 Expired after compaction, and the official
// client's informer.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { startTestServer, type TestServer } from "../support/server.ts";
import { collectWatch, type WatchEvent } from "../support/watch.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  // History by count alone, so a compaction right after the writes drops some.
  server = await startTestServer({ bookmarkIntervalMs: 200, retainChanges: 50, retainChangesMs: 0 });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
afterAll(() => server.cleanup());

type Event = { type: string; object: { metadata: { name?: string; resourceVersion?: string }; code?: number; reason?: string } };

/** Read newline-delimited watch events until `until` says stop or time runs out. */
const collect = (path: string, until: (events: Event[]) => boolean, during?: () => Promise<void>, ms = 5000) =>
  collectWatch(server, path, until as (events: WatchEvent[]) => boolean, during, ms) as Promise<Event[]>;

test("resourceVersion=0 starts with the current state, then live changes", async () => {
  await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "w1" } } });
  const events = await collect(
    "/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0",
    (e) => e.some((x) => x.type === "MODIFIED"),
    async () => {
      await Bun.sleep(100);
      await core.patchNamespacedConfigMap({ name: "w1", namespace: "default", body: { data: { a: "1" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    },
  );
  expect(events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "w1" } } });
  expect(events.find((e) => e.type === "MODIFIED")!.object.metadata.name).toBe("w1");
});

test("a watch from a resourceVersion replays what happened after it, in order", async () => {
  const start = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "w2" } } });
  await core.patchNamespacedConfigMap({ name: "w2", namespace: "default", body: { data: { a: "1" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  await core.deleteNamespacedConfigMap({ name: "w2", namespace: "default" });
  const events = await collect(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${start.metadata!.resourceVersion}`, (e) => e.length >= 2);
  expect(events.map((e) => e.type)).toEqual(["MODIFIED", "DELETED"]);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  expect(rvs[1]).toBeGreaterThan(rvs[0]!);
});

test("label changes turn into ADDED and DELETED for a selecting watcher", async () => {
  const base = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "w3", labels: { sel: "no" } } } });
  const label = (v: string) => core.patchNamespacedConfigMap({ name: "w3", namespace: "default", body: { metadata: { labels: { sel: v } } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  await label("yes");
  await label("no");
  const events = await collect(`/api/v1/namespaces/default/configmaps?watch=1&labelSelector=sel%3Dyes&resourceVersion=${base.metadata!.resourceVersion}`, (e) => e.length >= 2);
  expect(events.map((e) => e.type)).toEqual(["ADDED", "DELETED"]);
});

test("bookmarks arrive when asked for", async () => {
  const events = await collect("/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=0", (e) => e.some((x) => x.type === "BOOKMARK"));
  const bookmark = events.find((e) => e.type === "BOOKMARK")!;
  expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThan(0);
});

test("a compacted resourceVersion gets a 410 Expired ERROR event", async () => {
  const first = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "w4" } } });
  for (let i = 0; i < 60; i++) await core.patchNamespacedConfigMap({ name: "w4", namespace: "default", body: { data: { i: String(i) } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
  await server.store.compact();
  const events = await collect(`/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata!.resourceVersion}`, (e) => e.length >= 1);
  expect(events[0]).toMatchObject({ type: "ERROR", object: { code: 410, reason: "Expired" } });
});

test("the official client's informer lists, watches and sees deletes", async () => {
  await core.createNamespace({ body: { metadata: { name: "inf" } } });
  const informer = k8s.makeInformer(kc, "/api/v1/namespaces/inf/configmaps", () => core.listNamespacedConfigMap({ namespace: "inf" }));
  const seen: string[] = [];
  informer.on("add", (o) => seen.push(`add:${o.metadata!.name}`));
  informer.on("delete", (o) => seen.push(`delete:${o.metadata!.name}`));
  await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "before" } } });
  await informer.start();
  await core.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "after" } } });
  await core.deleteNamespacedConfigMap({ name: "before", namespace: "inf" });
  for (let i = 0; i < 50 && seen.length < 3; i++) await Bun.sleep(100);
  await informer.stop();
  expect(seen).toEqual(["add:before", "add:after", "delete:before"]);
});
