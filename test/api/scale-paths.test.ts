// The scale subresource follows the kind's ScaleSpec paths, not a fixed spec.replicas:
// a kind declared with its count elsewhere scales through GET/PUT/PATCH .../scale over HTTP.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allKinds } from "../../src/api/kinds/index.ts";
import type { KindDef } from "../../src/api/kinds/kind.ts";
import { Registry } from "../../src/api/registry/registry.ts";
import { createApiApp } from "../../src/api/http/app.ts";
import { Store } from "../../src/store/store.ts";

// A namespaced kind keeping its count in spec.size and a ready-made selector string in status.
const widgetKind: KindDef = {
  group: "example.com",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  singular: "widget",
  namespaced: true,
  subresources: { status: true, scale: { specReplicasPath: "spec.size", statusReplicasPath: "status.count", labelSelectorPath: "status.selector" } },
  schema: { validation: "", protobuf: "", patch: {} },
};

let dir: string;
let store: Store;
let server: ReturnType<typeof Bun.serve>;
const base = () => `http://127.0.0.1:${server.port}/apis/example.com/v1/namespaces/default/widgets/w`;
const headers = { authorization: "Bearer t", "content-type": "application/json" };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiff-scale-"));
  store = await Store.open({ url: `file:${join(dir, "state.db")}` });
  const registry = new Registry(store, [...allKinds, widgetKind]);
  await registry.create(allKinds.find((k) => k.kind === "Namespace")!, "", { metadata: { name: "default" } });
  const w = await registry.create(widgetKind, "default", { metadata: { name: "w" }, spec: { size: 2 } });
  await registry.update(widgetKind, "default", "w", { ...w, status: { count: 1, selector: "app=w" } }, {}, "status");
  const app = createApiApp({ registry, authenticate: (t) => (t === "t" ? { name: "admin", groups: ["system:masters"] } : undefined), health: { livez: [], readyz: [] }, serverAddress: "127.0.0.1:0" });
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => app.fetch(req) });
});
afterAll(async () => {
  server.stop(true);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("GET scale reads spec.size, status.count and the selector string", async () => {
  const scale: any = await (await fetch(`${base()}/scale`, { headers })).json();
  expect([scale.kind, scale.spec, scale.status]).toEqual(["Scale", { replicas: 2 }, { replicas: 1, selector: "app=w" }]);
});

test("PUT and PATCH of scale write spec.size, and nothing at spec.replicas", async () => {
  const current: any = await (await fetch(`${base()}/scale`, { headers })).json();
  const put = await fetch(`${base()}/scale`, { method: "PUT", headers, body: JSON.stringify({ ...current, spec: { replicas: 5 } }) });
  expect(put.status).toBe(200);
  expect(((await put.json()) as any).spec.replicas).toBe(5);
  const patched = await fetch(`${base()}/scale`, { method: "PATCH", headers: { ...headers, "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { replicas: 7 } }) });
  expect(((await patched.json()) as any).spec.replicas).toBe(7);
  const obj: any = await (await fetch(base(), { headers })).json();
  expect(obj.spec).toEqual({ size: 7 });
});
