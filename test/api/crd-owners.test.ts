// Custom objects take part in what built-in objects do with their kin: garbage collection
// through ownerReferences in both directions, and deletion of a namespace.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { widgetCrd } from "./crd-fixtures.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runControllers: true });
  expect((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", body: JSON.stringify(widgetCrd) })).status).toBe(201);
  expect((await apiFetch(server, "/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "owners" } }) })).status).toBe(201);
});
afterAll(() => server.cleanup());

const widgets = "/apis/example.com/v1/namespaces/owners/widgets";
const configMaps = "/api/v1/namespaces/owners/configmaps";
async function create(path: string, body: Record<string, unknown>) {
  const r = await apiFetch(server, path, { method: "POST", body: JSON.stringify(body) });
  expect(r.status).toBe(201);
  return (await r.json()) as { metadata: { name: string; uid: string } };
}
async function gone(path: string) {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if ((await apiFetch(server, path)).status === 404) return true;
    await Bun.sleep(50);
  }
  return false;
}
const ownedBy = (apiVersion: string, kind: string, o: { metadata: { name: string; uid: string } }) => [{ apiVersion, kind, name: o.metadata.name, uid: o.metadata.uid }];

test("a custom object's dependents go with it, and it goes with its owner", async () => {
  const owner = await create(widgets, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "owner" }, spec: { size: "small" } });
  await create(configMaps, { metadata: { name: "of-widget", ownerReferences: ownedBy("example.com/v1", "Widget", owner) } });
  expect((await apiFetch(server, `${widgets}/owner`, { method: "DELETE" })).status).toBe(200);
  expect(await gone(`${configMaps}/of-widget`)).toBe(true);

  const cm = await create(configMaps, { metadata: { name: "owner-cm" } });
  await create(widgets, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "of-cm", ownerReferences: ownedBy("v1", "ConfigMap", cm) }, spec: { size: "small" } });
  expect((await apiFetch(server, `${configMaps}/owner-cm`, { method: "DELETE" })).status).toBe(200);
  expect(await gone(`${widgets}/of-cm`)).toBe(true);
});

test("deleting a namespace deletes the custom objects in it", async () => {
  await create(widgets, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "left" }, spec: { size: "small" } });
  expect([200, 202]).toContain((await apiFetch(server, "/api/v1/namespaces/owners", { method: "DELETE" })).status);
  expect(await gone("/api/v1/namespaces/owners")).toBe(true);
  expect(((await (await apiFetch(server, "/apis/example.com/v1/widgets")).json()) as { items: unknown[] }).items).toEqual([]);
});
