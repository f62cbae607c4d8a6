// Every object the server hands out carries apiVersion and kind, whichever code wrote it:
// for every served kind, on GET, in LIST items, in watch events and in write answers.
// Objects written by in-process writers (controllers, the scheduler) through the
// registry without them are the case that matters: kubectl refuses an object without a kind.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { allKinds } from "../../src/api/kinds/index.ts";
import { apiVersionOf, type KindDef, type KubeObject } from "../../src/api/kinds/kind.ts";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { kubectl } from "../support/kubectl.ts";
import { collectWatch } from "../support/watch.ts";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ runControllers: true });
});
afterAll(() => server.cleanup());

const collection = (k: KindDef) => `${k.group ? `/apis/${k.group}` : "/api"}/${k.version}${k.namespaced ? "/namespaces/default" : ""}/${k.plural}`;
const expectTyped = (k: KindDef, o: Record<string, unknown>, where: string) => expect({ where, apiVersion: o.apiVersion, kind: o.kind }).toEqual({ where, apiVersion: apiVersionOf(k), kind: k.kind });

for (const kind of allKinds) {
  test(`${kind.kind}: apiVersion and kind on GET, LIST items, watch events and write answers`, async () => {
    const name = `typed-${kind.singular}`;
    const path = `${collection(kind)}/${name}`;
    const startRv = String(server.store.revision);
    // An in-process writer that leaves apiVersion and kind out, as controllers' produce functions do.
    const ns = kind.namespaced ? "default" : "";
    const written = await server.registry.replace(kind, ns, name, () => ({ metadata: { name }, ...structuredClone(kind.example) }) as KubeObject, {}, undefined, true);
    expectTyped(kind, written.object, "registry answer");

    const got = (await (await apiFetch(server, path)).json()) as any;
    expectTyped(kind, got, "GET");
    const list = (await (await apiFetch(server, `${collection(kind)}?fieldSelector=metadata.name=${name}`)).json()) as any;
    expect(list.kind).toBe(`${kind.kind}List`);
    expect(list.items.length).toBe(1);
    // Upstream's LIST items carry apiVersion and kind as well (client-go tolerates both; kubectl -o yaml prints them).
    for (const item of list.items) expectTyped(kind, item, "LIST item");

    const labelled = (await (await apiFetch(server, path, { method: "PATCH", body: JSON.stringify({ metadata: { labels: { seen: "yes" } } }), headers: { "Content-Type": "application/merge-patch+json" } })).json()) as any;
    expectTyped(kind, labelled, "PATCH answer");

    const events = await collectWatch(server, `${collection(kind)}?watch=1&resourceVersion=${startRv}&fieldSelector=metadata.name=${name}`, (e) => e.some((x) => x.object.metadata?.labels?.seen));
    // Controllers may write status in between (a Deployment's, a Service's endpoints): every event counts.
    expect(events[0]?.type).toBe("ADDED");
    expect(events.some((e) => e.type === "MODIFIED")).toBe(true);
    for (const e of events) expectTyped(kind, e.object, `watch ${e.type}`);
    const initial = await collectWatch(server, `${collection(kind)}?watch=1&resourceVersion=0&fieldSelector=metadata.name=${name}`, (e) => e.length >= 1);
    expectTyped(kind, initial[0]!.object, "watch initial ADDED");
  });
}

test("Endpoints the endpoints controller writes are readable by kubectl -o yaml", async () => {
  const post = (path: string, body: unknown) => apiFetch(server, path, { method: "POST", body: JSON.stringify(body) });
  expect((await post("/api/v1/namespaces/default/services", { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } })).status).toBe(201);
  expect((await post("/api/v1/namespaces/default/pods", { metadata: { name: "web-1", labels: { app: "web" } }, spec: { nodeName: "test-node", containers: [{ name: "c", image: "i" }] } })).status).toBe(201);
  const status = await apiFetch(server, "/api/v1/namespaces/default/pods/web-1/status", {
    method: "PATCH",
    body: JSON.stringify({ status: { phase: "Running", podIP: "10.42.0.7", conditions: [{ type: "Ready", status: "True" }] } }),
    headers: { "Content-Type": "application/merge-patch+json" },
  });
  expect(status.status).toBe(200);
  let ep: any;
  for (let i = 0; i < 100 && !ep?.subsets?.length; i++) {
    const res = await apiFetch(server, "/api/v1/namespaces/default/endpoints/web");
    ep = res.status === 200 ? await res.json() : undefined;
    if (!ep?.subsets?.length) await Bun.sleep(100);
  }
  expect(ep?.subsets?.[0]?.addresses?.[0]?.ip).toBe("10.42.0.7");
  expect(ep).toMatchObject({ apiVersion: "v1", kind: "Endpoints" });
  const out = await kubectl(server.kubeconfigPath, ["get", "endpoints", "web", "-n", "default", "-o", "yaml"], { timeoutMs: 60_000 });
  expect(out.stderr).toBe("");
  expect(out.code).toBe(0);
  expect(out.stdout).toContain("kind: Endpoints");
  expect(out.stdout).toContain("ip: 10.42.0.7");
});

test("objects stored without apiVersion and kind by an earlier version get both when the server starts again", async () => {
  const { tempDir } = await import("../support/server.ts");
  const dataDir = tempDir();
  const first = await startTestServer({ dataDir });
  try {
    // What an earlier skiff stored for an Endpoints object its controller wrote: no apiVersion, no kind.
    await first.store.write("endpoints", "default", "legacy", () => ({ type: "ADDED", object: { metadata: { name: "legacy", namespace: "default", uid: "u" }, subsets: [] } }));
  } finally {
    await first.stop();
  }
  const second = await startTestServer({ dataDir });
  try {
    const got = (await (await apiFetch(second, "/api/v1/namespaces/default/endpoints/legacy")).json()) as any;
    expect(got).toMatchObject({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "legacy" } });
    const list = (await (await apiFetch(second, "/api/v1/namespaces/default/endpoints")).json()) as any;
    expect(list.items.find((o: any) => o.metadata.name === "legacy")).toMatchObject({ apiVersion: "v1", kind: "Endpoints" });
  } finally {
    await second.cleanup();
    const { rmSync } = await import("node:fs");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
