// The four PATCH types over HTTP, as kubectl sends them, and server-side apply's
// field ownership and conflicts.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "localhost/web:1" }, { name: "side", image: "localhost/side:1" }] } },
    },
  };
  const res = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-client-side-apply", { method: "POST", body: JSON.stringify(deployment) });
  expect(res.status).toBe(201);
});
afterAll(() => server.cleanup());

const path = "/apis/apps/v1/namespaces/default/deployments/web";
const patch = (type: string, body: unknown, query = "") =>
  apiFetch(server, `${path}${query}`, { method: "PATCH", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": type } });
const get = async (): Promise<any> => (await apiFetch(server, path)).json();

test("merge patch sets and deletes keys", async () => {
  expect((await patch("application/merge-patch+json", { metadata: { labels: { tier: "fe" } } })).status).toBe(200);
  expect((await get()).metadata.labels).toEqual({ app: "web", tier: "fe" });
  await patch("application/merge-patch+json", { metadata: { labels: { tier: null } } });
  expect((await get()).metadata.labels).toEqual({ app: "web" });
});

test("strategic merge patch merges containers by name (kubectl set image)", async () => {
  const res = await patch("application/strategic-merge-patch+json", {
    spec: { template: { spec: { $setElementOrder: undefined, "$setElementOrder/containers": [{ name: "web" }, { name: "side" }], containers: [{ name: "web", image: "localhost/web:2" }] } } },
  }, "?fieldManager=kubectl-set");
  expect(res.status).toBe(200);
  const d = await get();
  expect(d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(["web=localhost/web:2", "side=localhost/side:1"]);
  expect(d.metadata.generation).toBe(2);
});

test("JSON patch replaces the template (kubectl rollout undo)", async () => {
  const d = await get();
  const template = structuredClone(d.spec.template);
  template.spec.containers[0].image = "localhost/web:1";
  const res = await patch("application/json-patch+json", [{ op: "replace", path: "/spec/template", value: template }]);
  expect(res.status).toBe(200);
  expect((await get()).spec.template.spec.containers[0].image).toBe("localhost/web:1");
  const failed = await patch("application/json-patch+json", [{ op: "test", path: "/spec/replicas", value: 42 }]);
  expect([409, 422]).toContain(failed.status);
});

test("a stale resourceVersion in a patch is a 409 Conflict", async () => {
  const res = await patch("application/merge-patch+json", { metadata: { resourceVersion: "1" }, spec: { replicas: 3 } });
  expect(res.status).toBe(409);
  expect((await get()).spec.replicas).toBe(1);
});

test("server-side apply creates when absent and records its field manager", async () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa", namespace: "default" }, data: { a: "1" } };
  const res = await apiFetch(server, "/api/v1/namespaces/default/configmaps/ssa?fieldManager=alice&fieldValidation=Strict&force=false", {
    method: "PATCH",
    body: JSON.stringify(cm),
    headers: { "Content-Type": "application/apply-patch+yaml" },
  });
  expect(res.status).toBe(201);
  const obj = await (res.json() as Promise<any>);
  expect(obj.data).toEqual({ a: "1" });
  expect(obj.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`)).toContain("alice/Apply");
});

test("server-side apply conflicts with another manager's field unless forced", async () => {
  const apply = (manager: string, data: Record<string, string>, force = false) =>
    apiFetch(server, `/api/v1/namespaces/default/configmaps/ssa?fieldManager=${manager}&force=${force}`, {
      method: "PATCH",
      body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join("\n")}\n`,
      headers: { "Content-Type": "application/apply-patch+yaml" },
    });
  const conflict = await apply("bob", { a: "2" });
  expect(conflict.status).toBe(409);
  const status = await (conflict.json() as Promise<any>);
  expect(status.reason).toBe("Conflict");
  expect(status.details.causes[0]).toMatchObject({ type: "FieldManagerConflict", field: ".data.a" });
  expect((await apply("bob", { a: "1", b: "x" })).status).toBe(200); // same value: shared, no conflict
  const forced = await apply("bob", { a: "2" }, true);
  expect(forced.status).toBe(200);
  expect((await (forced.json() as Promise<any>)).data).toEqual({ a: "2" });
});

test("apply without fieldManager is 400, an unknown patch type is 415", async () => {
  const noManager = await apiFetch(server, "/api/v1/namespaces/default/configmaps/ssa", { method: "PATCH", body: "{}", headers: { "Content-Type": "application/apply-patch+yaml" } });
  expect(noManager.status).toBe(400);
  expect((await patch("application/xml", "<x/>")).status).toBe(415);
});
