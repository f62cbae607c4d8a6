// events.k8s.io/v1 Event served beside core v1 Events over the same stored objects: upstream's
// field mapping both ways, creates checked as upstream's events.k8s.io/v1 validation does, list
// with field selectors in that version's labels, watch (and watch-list), discovery, and
// kubectl get/describe of events.events.k8s.io.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { rejection } from "../support/rejection.ts";
import { collectWatch } from "../support/watch.ts";
import { kubectlOk } from "../support/kubectl.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
let events: k8s.EventsV1Api;
const NS = "ev";

beforeAll(async () => {
  server = await startTestServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  events = kc.makeApiClient(k8s.EventsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
afterAll(() => server.cleanup());

const raw = async (path: string) => (await (await apiFetch(server, path)).json()) as any;

test("a core Event reads back through events.k8s.io/v1 with upstream's field names", async () => {
  const when = "2026-12-04T10:00:00Z";
  // Raw JSON, so the timestamps are stored as written.
  const res = await apiFetch(server, `/api/v1/namespaces/${NS}/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      metadata: { name: "legacy.1" },
      involvedObject: { kind: "Pod", name: "web-0", namespace: NS, apiVersion: "v1" },
      reason: "Started",
      message: "Started container web",
      source: { component: "kubelet", host: "n1" },
      firstTimestamp: when,
      lastTimestamp: when,
      count: 3,
      type: "Normal",
      reportingComponent: "kubelet",
      reportingInstance: "n1",
    }),
  });
  expect(res.status).toBe(201);
  const shown = await raw(`/apis/events.k8s.io/v1/namespaces/${NS}/events/legacy.1`);
  expect(shown).toMatchObject({
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name: "legacy.1", namespace: NS },
    regarding: { kind: "Pod", name: "web-0", namespace: NS },
    note: "Started container web",
    reason: "Started",
    reportingController: "kubelet",
    reportingInstance: "n1",
    deprecatedSource: { component: "kubelet", host: "n1" },
    deprecatedFirstTimestamp: when,
    deprecatedLastTimestamp: when,
    deprecatedCount: 3,
    type: "Normal",
  });
  for (const coreName of ["involvedObject", "message", "source", "count", "reportingComponent", "firstTimestamp"]) expect(shown[coreName]).toBeUndefined();
  const typed = await events.readNamespacedEvent({ name: "legacy.1", namespace: NS });
  expect([typed.note, typed.regarding?.name, typed.deprecatedCount]).toEqual(["Started container web", "web-0", 3]);
});

test("an events.k8s.io/v1 create is stored as a core Event; upstream's checks refuse an incomplete one", async () => {
  const eventTime = new Date("2026-12-04T11:00:00.000000Z");
  const created = await events.createNamespacedEvent({
    namespace: NS,
    body: {
      metadata: { name: "new.1" },
      eventTime: eventTime as unknown as k8s.V1MicroTime,
      reportingController: "example.com/operator",
      reportingInstance: "operator-0",
      action: "Reconcile",
      reason: "Synced",
      note: "synced the widget",
      regarding: { kind: "ConfigMap", name: "widget", namespace: NS, apiVersion: "v1" },
      series: { count: 2, lastObservedTime: eventTime as unknown as k8s.V1MicroTime },
      type: "Normal",
    },
  });
  expect([created.apiVersion, created.note, created.regarding?.name, created.series?.count]).toEqual(["events.k8s.io/v1", "synced the widget", "widget", 2]);
  const stored = await core.readNamespacedEvent({ name: "new.1", namespace: NS });
  expect([stored.apiVersion, stored.message, stored.involvedObject.name, stored.reportingComponent, stored.reportingInstance, stored.action, stored.series?.count]).toEqual([
    "v1",
    "synced the widget",
    "widget",
    "example.com/operator",
    "operator-0",
    "Reconcile",
    2,
  ]);

  const incomplete = await rejection(events.createNamespacedEvent({ namespace: NS, body: { metadata: { name: "bad.1" }, eventTime: new Date() as unknown as k8s.V1MicroTime, type: "Sometimes", deprecatedCount: 4 } }));
  expect(incomplete.code).toBe(422);
  expect(incomplete.status.details).toMatchObject({ kind: "Event", group: "events.k8s.io", name: "bad.1" });
  expect(incomplete.status.details.causes.map((c: any) => `${c.field}: ${c.message}`)).toEqual([
    // Upstream names the core field here, for an event of another namespace than its object's.
    'involvedObject.namespace: Invalid value: "": does not match event.namespace',
    "reportingController: Required value",
    "reportingInstance: Required value",
    "action: Required value",
    "reason: Required value",
    'type: Invalid value: "": has invalid value: Sometimes',
    'deprecatedCount: Invalid value: "": needs to be unset',
  ]);
  const noTime = await rejection(events.createNamespacedEvent({ namespace: NS, body: { metadata: { name: "bad.2" }, reason: "X", type: "Normal" } as k8s.EventsV1Event }));
  expect(noTime.status.details.causes.map((c: any) => c.field)).toEqual(["eventTime"]);
});

test("list with events.k8s.io field labels; core labels are refused there", async () => {
  const list = await events.listNamespacedEvent({ namespace: NS, fieldSelector: "regarding.name=widget,reportingController=example.com/operator" });
  expect([list.apiVersion, list.kind, list.items.map((e) => e.metadata?.name)]).toEqual(["events.k8s.io/v1", "EventList", ["new.1"]]);
  expect(list.items[0]!.note).toBe("synced the widget");
  const refused = await apiFetch(server, `/apis/events.k8s.io/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name%3Dwidget`);
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as any).message).toBe("field label not supported: involvedObject.name");
  const all = await events.listEventForAllNamespaces();
  expect(all.items.map((e) => e.metadata?.name).sort()).toEqual(["legacy.1", "new.1"]);
});

test("watch and watch-list through events.k8s.io/v1 convert each event and the bookmark", async () => {
  const seen = await collectWatch(
    server,
    `/apis/events.k8s.io/v1/namespaces/${NS}/events?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    (e) => e.some((x) => x.type === "ADDED" && x.object.metadata.name === "live.1"),
    async () => {
      await Bun.sleep(150);
      await core.createNamespacedEvent({ namespace: NS, body: { metadata: { name: "live.1" }, involvedObject: { kind: "Pod", name: "p", namespace: NS }, reason: "Live", message: "live one", type: "Warning" } });
    },
  );
  const initial = seen.slice(0, 2);
  expect(initial.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name]).sort()).toEqual([
    ["ADDED", "events.k8s.io/v1", "legacy.1"],
    ["ADDED", "events.k8s.io/v1", "new.1"],
  ]);
  expect(seen[2]).toMatchObject({ type: "BOOKMARK", object: { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: { annotations: { "k8s.io/initial-events-end": "true" } } } });
  const live = seen.find((e) => e.object.metadata.name === "live.1")!;
  expect(live.object).toMatchObject({ apiVersion: "events.k8s.io/v1", note: "live one", regarding: { name: "p" }, type: "Warning" });
});

test("discovery lists events.k8s.io/v1; kubectl gets and describes events.events.k8s.io", async () => {
  const group = await raw("/apis/events.k8s.io");
  expect(group).toMatchObject({ kind: "APIGroup", name: "events.k8s.io", preferredVersion: { groupVersion: "events.k8s.io/v1", version: "v1" } });
  const resources = await raw("/apis/events.k8s.io/v1");
  expect(resources.resources).toEqual([{ name: "events", singularName: "event", namespaced: true, kind: "Event", verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ev"] }]);
  const apiResources = await kubectlOk(server.kubeconfigPath, ["api-resources", "--api-group=events.k8s.io"]);
  expect(apiResources).toMatch(/\nevents\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event\n/);
  const table = await kubectlOk(server.kubeconfigPath, ["get", "events.events.k8s.io", "-n", NS, "--field-selector", "regarding.name=widget"]);
  expect(table).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Normal\s+Synced\s+configmap\/widget\s+synced the widget\n$/);
  const yaml = await kubectlOk(server.kubeconfigPath, ["get", "events.v1.events.k8s.io", "legacy.1", "-n", NS, "-o", "jsonpath={.apiVersion} {.note} {.regarding.name}"]);
  expect(yaml).toBe("events.k8s.io/v1 Started container web web-0");
  const described = await kubectlOk(server.kubeconfigPath, ["describe", "events.events.k8s.io", "new.1", "-n", NS]);
  expect(described).toMatch(/Note:\s+synced the widget/);
  expect(described).toMatch(/Reporting Controller:\s+example\.com\/operator/);
  // kubectl explain reads the events.k8s.io/v1 type, not core's.
  const explained = await kubectlOk(server.kubeconfigPath, ["explain", "events.regarding", "--api-version=events.k8s.io/v1"]);
  expect(explained).toMatch(/GROUP:\s+events\.k8s\.io\nKIND:\s+Event\nVERSION:\s+v1\n\nFIELD: regarding <ObjectReference>/);
});
