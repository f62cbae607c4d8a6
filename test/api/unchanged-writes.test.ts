// A write that changes nothing stores nothing, as upstream's GuaranteedUpdate: the answer
// is the stored object with its resourceVersion, and watchers see no event.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { collectWatch } from "../support/watch.ts";

let server: TestServer;
const cm = "/api/v1/namespaces/default/configmaps";
const dep = "/apis/apps/v1/namespaces/default/deployments";

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

const patch = (path: string, type: string, body: unknown, query = "") =>
  apiFetch(server, path + query, { method: "PATCH", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "Content-Type": type } });
const json = async (res: Response) => {
  if (res.status >= 300) throw new Error(`${res.status}: ${await res.text()}`);
  return (await res.json()) as any;
};

test("PATCH {}, a repeated PUT, patches to current values and a repeated apply write nothing; a real change is one event", async () => {
  const created = await json(await apiFetch(server, cm, { method: "POST", body: JSON.stringify({ metadata: { name: "same", labels: { a: "1" } }, data: { k: "v" } }) }));
  const rv = created.metadata.resourceVersion;
  const applied = await json(await patch(`${cm}/applied`, "application/apply-patch+yaml", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { k: "v" } }, "?fieldManager=tool"));

  const events = await collectWatch(
    server,
    `${cm}?watch=1&resourceVersion=${applied.metadata.resourceVersion}`,
    (e) => e.some((x) => x.object.data?.k === "changed"),
    async () => {
      const answers = [
        await json(await patch(`${cm}/same`, "application/merge-patch+json", {})),
        await json(await patch(`${cm}/same`, "application/strategic-merge-patch+json", {})),
        await json(await patch(`${cm}/same`, "application/merge-patch+json", { metadata: { labels: { a: "1" } }, data: { k: "v" } })),
        await json(await patch(`${cm}/same`, "application/json-patch+json", [{ op: "replace", path: "/data/k", value: "v" }])),
        await json(await apiFetch(server, `${cm}/same`, { method: "PUT", body: JSON.stringify(created) })),
        // The same PUT without a resourceVersion (an unconditional update) changes nothing either.
        await json(await apiFetch(server, `${cm}/same`, { method: "PUT", body: JSON.stringify({ ...created, metadata: { ...created.metadata, resourceVersion: undefined } }) })),
      ];
      for (const a of answers) expect(a).toEqual(created);
      const again = await json(await patch(`${cm}/applied`, "application/apply-patch+yaml", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { k: "v" } }, "?fieldManager=tool"));
      expect(again).toEqual(applied);
      expect((await json(await apiFetch(server, `${cm}/same`))).metadata.resourceVersion).toBe(rv);
      // Now a real change: a new resourceVersion and one MODIFIED event.
      const changed = await json(await patch(`${cm}/same`, "application/merge-patch+json", { data: { k: "changed" } }));
      expect(Number(changed.metadata.resourceVersion)).toBeGreaterThan(Number(applied.metadata.resourceVersion));
    },
  );
  expect(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.data?.k}`)).toEqual(["MODIFIED same changed"]);
});

test("an unchanged Deployment keeps its generation and resourceVersion; status writes that change nothing are skipped too", async () => {
  const body = { metadata: { name: "web" }, spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
  const created = await json(await apiFetch(server, dep, { method: "POST", body: JSON.stringify(body) }));
  const same = await json(await patch(`${dep}/web`, "application/strategic-merge-patch+json", { spec: { replicas: 2, template: { spec: { containers: [{ name: "c", image: "i" }] } } } }));
  expect(same.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  expect(same.metadata.generation).toBe(1);
  const scaled = await json(await patch(`${dep}/web/scale`, "application/merge-patch+json", { spec: { replicas: 2 } }));
  expect(scaled.metadata.resourceVersion).toBe(created.metadata.resourceVersion);

  const status = await json(await patch(`${dep}/web/status`, "application/merge-patch+json", { status: { replicas: 1 } }));
  const statusAgain = await json(await patch(`${dep}/web/status`, "application/merge-patch+json", { status: { replicas: 1 } }));
  expect(statusAgain.metadata.resourceVersion).toBe(status.metadata.resourceVersion);
  // dryRun of an unchanged write answers the stored object as well.
  const dry = await json(await patch(`${dep}/web`, "application/merge-patch+json", {}, "?dryRun=All"));
  expect(dry.metadata.resourceVersion).toBe(status.metadata.resourceVersion);
});
