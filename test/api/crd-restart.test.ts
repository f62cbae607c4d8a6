// Served CRDs are stored objects: after a restart of the server on the same data their
// kinds are served before the first request, and a watch on a custom kind resumes from a
// resourceVersion read before the restart.
import { afterAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, tempDir, type TestServer } from "../support/server.ts";
import { collectWatch } from "../support/watch.ts";
import { kubectlOk } from "../support/kubectl.ts";
import { widgetCrd } from "./crd-fixtures.ts";

let server: TestServer | undefined;
const dataDir = tempDir();
afterAll(async () => {
  await server?.cleanup();
  (await import("node:fs")).rmSync(dataDir, { recursive: true, force: true });
});

const base = "/apis/example.com/v1/namespaces/default/widgets";
const post = (s: TestServer, name: string) =>
  apiFetch(s, base, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec: { size: "small" } }) });

test("a restarted server serves stored CRDs' kinds at once and resumes a watch on them", async () => {
  server = await startTestServer({ dataDir });
  expect((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(widgetCrd) })).status).toBe(201);
  expect((await post(server, "before")).status).toBe(201);
  const rv = ((await (await apiFetch(server, base)).json()) as any).metadata.resourceVersion as string;
  expect((await post(server, "between")).status).toBe(201);
  await server.stop();

  server = await startTestServer({ dataDir });
  // The very first request after start finds the kind.
  const listed = (await (await apiFetch(server, base)).json()) as any;
  expect(listed.items.map((o: any) => o.metadata.name)).toEqual(["before", "between"]);
  expect(await kubectlOk(server.kubeconfigPath, ["get", "widgets", "-o", "name"])).toBe("widget.example.com/before\nwidget.example.com/between\n");
  const events = await collectWatch(server, `${base}?watch=1&resourceVersion=${rv}`, (e) => e.length >= 2, async () => {
    expect((await post(server!, "after")).status).toBe(201);
  });
  expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED between", "ADDED after"]);
});
