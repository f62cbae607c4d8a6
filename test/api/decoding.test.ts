// How bodies decode, as upstream's Go decoder does: keys named after Object.prototype
// members are plain data, values of the wrong type are a 400 naming the Go field, and
// what the server sets in metadata is the server's whatever the client sent.
import { afterAll, beforeAll, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
const cm = "/api/v1/namespaces/default/configmaps";

beforeAll(async () => {
  server = await startTestServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
});
afterAll(() => server.cleanup());

const post = (path: string, body: unknown, query = "") => apiFetch(server, path + query, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

test("keys named constructor, toString and valueOf are ordinary data keys and labels", async () => {
  const res = await post(cm, { metadata: { name: "proto-keys", labels: { constructor: "a", toString: "b" } }, data: { constructor: "c", toString: "d", valueOf: "e", hasOwnProperty: "f" } });
  expect(res.status).toBe(201);
  const got = await core.readNamespacedConfigMap({ name: "proto-keys", namespace: "default" });
  expect(got.data).toEqual({ constructor: "c", toString: "d", valueOf: "e", hasOwnProperty: "f" });
  expect(got.metadata?.labels).toEqual({ constructor: "a", toString: "b" });
  // A label selector on such a key finds it.
  const byLabel = await core.listNamespacedConfigMap({ namespace: "default", labelSelector: "constructor=a,toString" });
  expect(byLabel.items.map((c) => c.metadata?.name)).toEqual(["proto-keys"]);
  // Patches of those keys change them as data.
  const patched = await apiFetch(server, `${cm}/proto-keys`, { method: "PATCH", body: JSON.stringify({ data: { constructor: null, toString: "D" } }), headers: { "Content-Type": "application/merge-patch+json" } });
  expect(patched.status).toBe(200);
  expect((await patched.json() as any).data).toEqual({ toString: "D", valueOf: "e", hasOwnProperty: "f" });
});

test("a Secret type named like an Object.prototype member is just an unknown type", async () => {
  const res = await post("/api/v1/namespaces/default/secrets", { metadata: { name: "ctor" }, type: "constructor", data: { a: "YQ==" } });
  expect(res.status).toBe(201);
  expect((await res.json() as any).type).toBe("constructor");
});

test("with fieldValidation=Ignore, prototype-named unknown fields are data, not methods: no 500", async () => {
  for (const key of ["constructor", "toString"]) {
    const res = await post(cm, `{"metadata":{"name":"ignore-${key.toLowerCase()}","${key}":{"x":1}},"${key}":{"x":1},"data":{"k":"v"}}`, "?fieldValidation=Ignore");
    expect(res.status).toBe(201);
    const warn = await post(cm, `{"metadata":{"name":"warn-${key.toLowerCase()}","${key}":"x"},"data":{"k":"v"}}`, "?fieldValidation=Warn");
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toContain(`unknown field 'metadata.${key}'`);
  }
});

test("__proto__ anywhere in a body is refused with 400, and nothing is created", async () => {
  for (const body of ['{"metadata":{"name":"p1"},"__proto__":{"x":1}}', '{"metadata":{"name":"p2","__proto__":{"x":1}}}', '{"metadata":{"name":"p3","labels":{"__proto__":"x"}}}']) {
    const res = await post(cm, body, "?fieldValidation=Ignore");
    expect(res.status).toBe(400);
    const status = (await res.json()) as any;
    expect(status).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    expect(status.message).toContain("__proto__");
  }
  expect((await apiFetch(server, `${cm}/p1`)).status).toBe(404);
});

test("metadata of the wrong type is a 400 naming the Go field, as upstream's decoder answers", async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ uid: 5 }, "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type string"],
    [{ creationTimestamp: [] }, "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.creationTimestamp of type string"],
    [{ generation: "x" }, "json: cannot unmarshal string into Go struct field ObjectMeta.metadata.generation of type int64"],
    [{ deletionGracePeriodSeconds: true }, "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.deletionGracePeriodSeconds of type int64"],
    [{ labels: ["a", "b"] }, "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string"],
    [{ labels: { a: 1 } }, "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"],
    [{ deletionTimestamp: "yesterday" }, 'parsing time "yesterday"'],
    [{ creationTimestamp: "2024-13-45T99:00:00Z" }, "parsing time"],
  ];
  for (const [meta, message] of cases) {
    const res = await post(cm, { metadata: { name: "typed", ...meta } });
    expect(res.status).toBe(400);
    const status = (await res.json()) as any;
    expect(status.reason).toBe("BadRequest");
    expect(status.message).toContain('ConfigMap in version "v1" cannot be handled as a ConfigMap: ');
    expect(status.message).toContain(message);
  }
  const ns = await post("/api/v1/namespaces", { metadata: { name: "listed-labels", labels: ["a", "b"] } });
  expect(ns.status).toBe(400);
  expect((await apiFetch(server, "/api/v1/namespaces/listed-labels")).status).toBe(404);
  // Spec fields too: the Go type of the field is named.
  const d = await post("/apis/apps/v1/namespaces/default/deployments", { metadata: { name: "d" }, spec: { replicas: "3", selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } });
  expect(d.status).toBe(400);
  expect(((await d.json()) as any).message).toContain("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");
});

test("server-set metadata from the client is ignored on create and on update", async () => {
  const sent = {
    metadata: {
      name: "server-owned",
      uid: "11111111-2222-3333-4444-555555555555",
      creationTimestamp: "2001-01-01T00:00:00Z",
      generation: 42,
      resourceVersion: "",
      deletionTimestamp: "2001-01-02T00:00:00Z",
      deletionGracePeriodSeconds: 7,
    },
    data: { a: "1" },
  };
  const created = (await (await post(cm, sent)).json()) as any;
  expect(created.metadata.uid).not.toBe(sent.metadata.uid);
  expect(created.metadata.creationTimestamp).not.toBe(sent.metadata.creationTimestamp);
  expect(Math.abs(Date.parse(created.metadata.creationTimestamp) - Date.now())).toBeLessThan(120_000);
  expect(created.metadata.generation).toBeUndefined(); // ConfigMaps have no generation
  expect(created.metadata.deletionTimestamp).toBeUndefined();
  expect(created.metadata.deletionGracePeriodSeconds).toBeUndefined();

  const put = await apiFetch(server, `${cm}/server-owned`, {
    method: "PUT",
    body: JSON.stringify({ ...sent, metadata: { ...sent.metadata, resourceVersion: created.metadata.resourceVersion }, data: { a: "2" } }),
  });
  expect(put.status).toBe(200);
  const updated = (await put.json()) as any;
  expect(updated.metadata.uid).toBe(created.metadata.uid);
  expect(updated.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
  expect(updated.metadata.deletionTimestamp).toBeUndefined();
  expect(updated.metadata.deletionGracePeriodSeconds).toBeUndefined();
  expect(updated.data).toEqual({ a: "2" });

  // A Deployment's generation is the server's count of spec changes.
  const dep = { metadata: { name: "gen", generation: 9 }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
  const d = (await (await post("/apis/apps/v1/namespaces/default/deployments", dep)).json()) as any;
  expect(d.metadata.generation).toBe(1);
});

test("binding a pod that does not exist is a 404 NotFound", async () => {
  const res = await post("/api/v1/namespaces/default/pods/nowhere/binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "nowhere" }, target: { apiVersion: "v1", kind: "Node", name: "test-node" } });
  expect(res.status).toBe(404);
  expect(await res.json()).toMatchObject({ kind: "Status", reason: "NotFound", message: 'pods "nowhere" not found' });
});

test("ConfigMaps and Secrets over 1 MiB of data are refused with upstream's message; 1 MiB exactly fits", async () => {
  const mib = 1024 * 1024;
  const over = await post(cm, { metadata: { name: "over" }, data: { a: "x".repeat(mib - 10), b: "y".repeat(11) } });
  expect(over.status).toBe(422);
  expect(((await over.json()) as any).message).toBe('ConfigMap "over" is invalid: []: Too long: must have at most 1048576 bytes');
  const exact = await post(cm, { metadata: { name: "exact" }, data: { a: "x".repeat(mib - 10), b: "y".repeat(10) } });
  expect(exact.status).toBe(201);
  // Multi-byte characters count as their UTF-8 bytes.
  expect((await post(cm, { metadata: { name: "wide" }, data: { a: "é".repeat(mib / 2 + 1) } })).status).toBe(422);

  const secret = await post("/api/v1/namespaces/default/secrets", { metadata: { name: "over" }, data: { a: Buffer.alloc(mib + 1).toString("base64") } });
  expect(secret.status).toBe(422);
  expect(((await secret.json()) as any).message).toBe('Secret "over" is invalid: data: Too long: must have at most 1048576 bytes');
  // Growing a stored ConfigMap past the limit by a patch is refused too.
  const grow = await apiFetch(server, `${cm}/exact`, { method: "PATCH", body: JSON.stringify({ data: { c: "z" } }), headers: { "Content-Type": "application/merge-patch+json" } });
  expect(grow.status).toBe(422);
});

test("resourceVersion that is not a number is a 400 on list, get and watch; a text/plain body is 415", async () => {
  for (const path of [`${cm}?resourceVersion=abc`, `${cm}/exact?resourceVersion=-1`, `${cm}?watch=true&resourceVersion=1e3`]) {
    const res = await apiFetch(server, path);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).reason).toBe("BadRequest");
  }
  expect((await apiFetch(server, `${cm}?resourceVersion=0`)).status).toBe(200);
  const plain = await apiFetch(server, cm, { method: "POST", body: JSON.stringify({ metadata: { name: "plain" } }), headers: { "Content-Type": "text/plain" } });
  expect(plain.status).toBe(415);
  expect(((await plain.json()) as any).reason).toBe("UnsupportedMediaType");
});
