// Watch-list (sendInitialEvents=true): the current objects as ADDED events, then a BOOKMARK
// annotated k8s.io/initial-events-end carrying the list's resourceVersion, then live changes;
// sendInitialEvents=false starts at the current revision; the list options are checked as
// upstream's ValidateListOptions does (422 Invalid ListOptions.meta.k8s.io).
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { collectWatch } from "../support/watch.ts";

let server: TestServer;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  server = await startTestServer({ bookmarkIntervalMs: 60_000 });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "wl" } } });
  for (const name of ["a", "b", "c"]) await core.createNamespacedConfigMap({ namespace: "wl", body: { metadata: { name, labels: { pick: name === "c" ? "no" : "yes" } } } });
});
afterAll(() => server.cleanup());

const WATCH_LIST = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";
const isEnd = (e: { type: string; object: any }) => e.type === "BOOKMARK" && e.object.metadata?.annotations?.["k8s.io/initial-events-end"] === "true";

test("the initial objects come as ADDED, then the initial-events-end BOOKMARK with the list's resourceVersion, then live changes", async () => {
  const listed = await core.listNamespacedConfigMap({ namespace: "wl" });
  const events = await collectWatch(
    server,
    `/api/v1/namespaces/wl/configmaps?${WATCH_LIST}&labelSelector=pick%3Dyes`,
    (e) => e.some((x) => x.type === "MODIFIED"),
    async () => {
      await Bun.sleep(150);
      await core.patchNamespacedConfigMap({ name: "a", namespace: "wl", body: { data: { x: "1" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    },
  );
  const end = events.findIndex(isEnd);
  expect(end).toBe(2);
  expect(events.slice(0, 2).map((e) => [e.type, e.object.metadata.name])).toEqual([
    ["ADDED", "a"],
    ["ADDED", "b"],
  ]);
  const bookmark = events[end]!.object;
  expect(bookmark).toMatchObject({ kind: "ConfigMap", apiVersion: "v1" });
  expect(Number(bookmark.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(listed.metadata!.resourceVersion));
  const modified = events.find((e) => e.type === "MODIFIED")!;
  expect(modified.object.metadata.name).toBe("a");
  expect(Number(modified.object.metadata.resourceVersion)).toBeGreaterThan(Number(bookmark.metadata.resourceVersion));
});

test("with a resourceVersion the initial events still show the current state (NotOlderThan), for a group kind too", async () => {
  const first = await core.readNamespacedConfigMap({ name: "a", namespace: "wl" });
  await core.createNamespacedConfigMap({ namespace: "wl", body: { metadata: { name: "d" } } });
  const events = await collectWatch(server, `/api/v1/namespaces/wl/configmaps?${WATCH_LIST}&resourceVersion=${first.metadata!.resourceVersion}`, (e) => e.some(isEnd));
  expect(events.filter((e) => e.type === "ADDED").map((e) => e.object.metadata.name).sort()).toEqual(["a", "b", "c", "d"]);
  const none = await collectWatch(server, `/apis/apps/v1/namespaces/wl/deployments?${WATCH_LIST}`, (e) => e.some(isEnd));
  expect(none).toHaveLength(1);
  expect(none[0]!.object).toMatchObject({ kind: "Deployment", apiVersion: "apps/v1" });
});

test("sendInitialEvents=false starts at the current revision without initial events", async () => {
  const events = await collectWatch(
    server,
    `/api/v1/namespaces/wl/configmaps?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    (e) => e.length >= 1,
    async () => {
      await Bun.sleep(150);
      await core.createNamespacedConfigMap({ namespace: "wl", body: { metadata: { name: "e" } } });
    },
  );
  expect(events.map((e) => [e.type, e.object.metadata.name])).toEqual([["ADDED", "e"]]);
});

test("list options are checked as upstream: 422 Invalid ListOptions.meta.k8s.io", async () => {
  const cases: [string, string][] = [
    ["watch=1&sendInitialEvents=true&allowWatchBookmarks=true", "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"],
    ["watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", "allowWatchBookmarks: Forbidden: allowWatchBookmarks required when resourceVersionMatch is set"],
    ["watch=1&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"],
    ["sendInitialEvents=true", "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"],
    ["resourceVersionMatch=NotOlderThan", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"],
    ["resourceVersion=1&resourceVersionMatch=Newest", 'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'],
  ];
  for (const [query, message] of cases) {
    const res = await apiFetch(server, `/api/v1/namespaces/wl/configmaps?${query}`);
    const status = (await res.json()) as any;
    expect([query, res.status, status.reason, status.details.kind, status.details.group]).toEqual([query, 422, "Invalid", "ListOptions", "meta.k8s.io"]);
    expect(status.message).toContain(message);
  }
  const wrong = await apiFetch(server, "/api/v1/namespaces/wl/configmaps?watch=1&sendInitialEvents=maybe");
  expect(wrong.status).toBe(400);
  const listed = await apiFetch(server, "/api/v1/namespaces/wl/configmaps?resourceVersion=1&resourceVersionMatch=NotOlderThan");
  expect(listed.status).toBe(200);
});
