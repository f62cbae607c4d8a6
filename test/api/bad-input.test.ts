// A corpus of bad requests: each must get a 4xx Status (never a 500 or a dropped
// connection), and what was stored before must stay exactly as it was.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { allKinds } from "../../src/api/kinds/index.ts";

let server: TestServer;
let before: string;

const snapshot = async () => {
  const paths = ["/api/v1/namespaces/default/configmaps", "/apis/apps/v1/namespaces/default/deployments", "/api/v1/namespaces"];
  const lists = await Promise.all(paths.map(async (p) => (await ((await apiFetch(server, p)).json() as Promise<any>)).items));
  return JSON.stringify(lists);
};

beforeAll(async () => {
  server = await startTestServer();
  await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "keep" }, data: { a: "1" } }) });
  const d = { metadata: { name: "keep" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
  expect((await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments", { method: "POST", body: JSON.stringify(d) })).status).toBe(201);
  before = await snapshot();
});
afterAll(() => server.cleanup());

type Case = { name: string; method: string; path: string; body?: string | Uint8Array; type?: string; expect: number | number[] };
const cm = "/api/v1/namespaces/default/configmaps";
const dep = "/apis/apps/v1/namespaces/default/deployments";
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const goodDeployment = (patch: (d: any) => void) => {
  const d: any = { metadata: { name: "bad" }, spec: { replicas: 1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } } };
  patch(d);
  return JSON.stringify(d);
};

const cases: Case[] = [
  { name: "truncated JSON", method: "POST", path: cm, body: '{"metadata":{"name":"x"', expect: 400 },
  { name: "not JSON at all", method: "POST", path: cm, body: "hello", expect: 400 },
  { name: "a JSON array", method: "POST", path: cm, body: "[1,2]", expect: 400 },
  { name: "a JSON string", method: "POST", path: cm, body: '"x"', expect: 400 },
  { name: "malformed YAML", method: "POST", path: cm, body: "metadata: {name: x\n  - :", type: "application/yaml", expect: 400 },
  { name: "invalid UTF-8", method: "POST", path: cm, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), expect: 400 },
  { name: "deep nesting", method: "POST", path: cm, body: `{"metadata":{"name":"deep"},"data":${deep(5000)}}`, expect: [400, 422] },
  { name: "wrong content type", method: "POST", path: cm, body: "<xml/>", type: "application/xml", expect: 415 },
  { name: "truncated protobuf body", method: "POST", path: cm, body: new Uint8Array([0x6b, 0x38, 0x73, 0, 0x0a, 0x7f]), type: "application/vnd.kubernetes.protobuf", expect: [400, 415] },
  { name: "uppercase name", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "Bad_Name" } }), expect: 422 },
  { name: "name too long", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "a".repeat(300) } }), expect: 422 },
  { name: "unicode name", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "名前" } }), expect: 422 },
  { name: "missing name", method: "POST", path: cm, body: JSON.stringify({ metadata: {} }), expect: 422 },
  { name: "data of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "wt" }, data: { a: 1 } }), expect: [400, 422] },
  { name: "metadata of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: "x" }), expect: [400, 422] },
  { name: "labels of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "lt", labels: ["a"] } }), expect: [400, 422] },
  { name: "invalid label value", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "lv", labels: { a: "has space" } } }), expect: 422 },
  { name: "unknown field under Strict", method: "POST", path: `${cm}?fieldValidation=Strict`, body: JSON.stringify({ metadata: { name: "uf" }, dta: {} }), expect: 422 },
  { name: "namespace in body differs from URL", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "ns", namespace: "kube-system" } }), expect: 400 },
  { name: "kind differs from URL", method: "POST", path: cm, body: JSON.stringify({ kind: "Secret", apiVersion: "v1", metadata: { name: "k" } }), expect: 400 },
  { name: "duplicate create", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "keep" } }), expect: 409 },
  { name: "huge string over 3 MiB", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "huge" }, data: { a: "x".repeat(3 * 1024 * 1024 + 10) } }), expect: 413 },
  { name: "unknown resource", method: "GET", path: "/api/v1/namespaces/default/widgets", expect: 404 },
  { name: "unknown group", method: "GET", path: "/apis/nope.io/v1/things", expect: 404 },
  { name: "missing object", method: "GET", path: `${cm}/absent`, expect: 404 },
  { name: "PUT with a different name", method: "PUT", path: `${cm}/keep`, body: JSON.stringify({ metadata: { name: "other" } }), expect: 400 },
  { name: "PUT with a stale resourceVersion", method: "PUT", path: `${cm}/keep`, body: JSON.stringify({ metadata: { name: "keep", resourceVersion: "1" }, data: { a: "2" } }), expect: 409 },
  { name: "selector not matching template labels", method: "POST", path: dep, body: goodDeployment((d) => (d.spec.selector.matchLabels = { a: "c" })), expect: 422 },
  { name: "negative replicas", method: "POST", path: dep, body: goodDeployment((d) => (d.spec.replicas = -1)), expect: 422 },
  { name: "replicas of the wrong type", method: "POST", path: dep, body: goodDeployment((d) => (d.spec.replicas = "three")), expect: [400, 422] },
  { name: "maxSurge and maxUnavailable both 0", method: "POST", path: dep, body: goodDeployment((d) => (d.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } })), expect: 422 },
  { name: "unknown strategy type", method: "POST", path: dep, body: goodDeployment((d) => (d.spec.strategy = { type: "Sideways" })), expect: 422 },
  { name: "container without image", method: "POST", path: dep, body: goodDeployment((d) => delete d.spec.template.spec.containers[0].image), expect: 422 },
  { name: "immutable selector change", method: "PATCH", path: `${dep}/keep`, body: JSON.stringify({ spec: { selector: { matchLabels: { a: "z" } }, template: { metadata: { labels: { a: "z" } } } } }), type: "application/merge-patch+json", expect: 422 },
  { name: "JSON patch on a missing path", method: "PATCH", path: `${cm}/keep`, body: JSON.stringify([{ op: "remove", path: "/nope/x" }]), type: "application/json-patch+json", expect: [400, 422] },
  { name: "JSON patch that is not a list", method: "PATCH", path: `${cm}/keep`, body: JSON.stringify({ op: "add" }), type: "application/json-patch+json", expect: [400, 422] },
  { name: "merge patch making data a number", method: "PATCH", path: `${cm}/keep`, body: JSON.stringify({ data: 5 }), type: "application/merge-patch+json", expect: [400, 422] },
  { name: "patch with an unknown content type", method: "PATCH", path: `${cm}/keep`, body: "{}", type: "text/html", expect: 415 },
  { name: "scale to a negative number", method: "PATCH", path: `${dep}/keep/scale`, body: JSON.stringify({ spec: { replicas: -5 } }), type: "application/merge-patch+json", expect: 422 },
  { name: "bad dryRun value", method: "POST", path: `${cm}?dryRun=Some`, body: JSON.stringify({ metadata: { name: "dr" } }), expect: 400 },
  { name: "bad label selector", method: "GET", path: `${cm}?labelSelector=${encodeURIComponent("a in (b")}`, expect: 400 },
  { name: "bad limit", method: "GET", path: `${cm}?limit=-3`, expect: 400 },
  { name: "bad continue token", method: "GET", path: `${cm}?limit=1&continue=garbage`, expect: 400 },
  { name: "bad propagationPolicy", method: "DELETE", path: `${cm}/absent-too`, body: JSON.stringify({ propagationPolicy: "Sometimes" }), expect: 400 },
  { name: "delete missing object", method: "DELETE", path: `${cm}/absent`, expect: 404 },
  { name: "binding of a missing pod", method: "POST", path: "/api/v1/namespaces/default/pods/absent/binding", body: JSON.stringify({ apiVersion: "v1", kind: "Binding", metadata: { name: "absent" }, target: { name: "n" } }), expect: 404 },
  { name: "namespace labels as a list", method: "POST", path: "/api/v1/namespaces", body: JSON.stringify({ metadata: { name: "nsl", labels: ["a", "b"] } }), expect: 400 },
  { name: "uid of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "u1", uid: 5 } }), expect: 400 },
  { name: "creationTimestamp of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "u2", creationTimestamp: [] } }), expect: 400 },
  { name: "generation of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "u3", generation: "x" } }), expect: 400 },
  { name: "deletionTimestamp not a time", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "u4", deletionTimestamp: "yesterday" } }), expect: 400 },
  { name: "deletionGracePeriodSeconds of the wrong type", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "u5", deletionGracePeriodSeconds: "x" } }), expect: 400 },
  { name: "uid of the wrong type on update", method: "PUT", path: `${cm}/keep`, body: JSON.stringify({ metadata: { name: "keep", uid: { a: 1 } } }), expect: 400 },
  { name: "ConfigMap data over 1 MiB", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "big" }, data: { a: "x".repeat(700_000), b: "y".repeat(700_000) } }), expect: 422 },
  { name: "ConfigMap binaryData over 1 MiB", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "bigbin" }, binaryData: { a: Buffer.alloc(1024 * 1024 + 1).toString("base64") } }), expect: 422 },
  { name: "Secret data over 1 MiB", method: "POST", path: "/api/v1/namespaces/default/secrets", body: JSON.stringify({ metadata: { name: "big" }, data: { a: Buffer.alloc(1024 * 1024 + 1).toString("base64") } }), expect: 422 },
  { name: "Secret stringData over 1 MiB", method: "POST", path: "/api/v1/namespaces/default/secrets", body: JSON.stringify({ metadata: { name: "bigs" }, stringData: { a: "x".repeat(1024 * 1024 + 1) } }), expect: 422 },
  { name: "list with a resourceVersion that is not a number", method: "GET", path: `${cm}?resourceVersion=abc`, expect: 400 },
  { name: "get with a resourceVersion that is not a number", method: "GET", path: `${cm}/keep?resourceVersion=abc`, expect: 400 },
  { name: "watch with a resourceVersion that is not a number", method: "GET", path: `${cm}?watch=1&resourceVersion=abc`, expect: 400 },
  { name: "a text/plain body", method: "POST", path: cm, body: JSON.stringify({ metadata: { name: "plain" } }), type: "text/plain", expect: 415 },
  { name: "__proto__ as a data key", method: "POST", path: cm, body: '{"metadata":{"name":"pd"},"data":{"__proto__":"x"}}', expect: 400 },
  { name: "__proto__ in a merge patch", method: "PATCH", path: `${cm}/keep`, body: '{"data":{"__proto__":{"polluted":"yes"}}}', type: "application/merge-patch+json", expect: 400 },
  { name: "__proto__ in a strategic merge patch", method: "PATCH", path: `${cm}/keep`, body: '{"metadata":{"__proto__":{"name":"other"}}}', type: "application/strategic-merge-patch+json", expect: 400 },
  { name: "__proto__ in an apply patch", method: "PATCH", path: `${cm}/keep?fieldManager=t`, body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n__proto__:\n  a: b\n", type: "application/apply-patch+yaml", expect: 400 },
  { name: "constructor in a merge patch", method: "PATCH", path: `${cm}/keep`, body: '{"constructor":{"name":"x"}}', type: "application/merge-patch+json", expect: 422 },
  { name: "toString in a JSON patch", method: "PATCH", path: `${cm}/keep`, body: JSON.stringify([{ op: "add", path: "/metadata/toString", value: "x" }]), type: "application/json-patch+json", expect: 422 },
  ...prototypeKeyCases(),
];

/**
 * Keys that are names of Object.prototype, at the top level and in metadata, as JSON and
 * as YAML, for every served kind: unknown fields (422 under Strict), never a 500.
 * "__proto__" is refused wherever it appears (400).
 */
function prototypeKeyCases(): Case[] {
  const out: Case[] = [];
  for (const kind of allKinds) {
    const base = `${kind.group ? `/apis/${kind.group}` : "/api"}/${kind.version}${kind.namespaced ? "/namespaces/default" : ""}/${kind.plural}`;
    for (const key of ["__proto__", "constructor", "toString"]) {
      const expect = key === "__proto__" ? 400 : 422;
      const name = `proto-${kind.singular}`;
      out.push(
        { name: `${kind.kind}: top-level "${key}" (JSON)`, method: "POST", path: base, body: `{"metadata":{"name":"${name}"},"${key}":{"polluted":true}}`, expect },
        { name: `${kind.kind}: metadata "${key}" (JSON)`, method: "POST", path: base, body: `{"metadata":{"name":"${name}","${key}":{"polluted":true}}}`, expect },
        { name: `${kind.kind}: top-level "${key}" (YAML)`, method: "POST", path: base, body: `metadata:\n  name: ${name}\n${key}:\n  polluted: true\n`, type: "application/yaml", expect },
        { name: `${kind.kind}: metadata "${key}" (YAML)`, method: "POST", path: base, body: `metadata:\n  name: ${name}\n  ${key}:\n    polluted: true\n`, type: "application/yaml", expect },
        { name: `${kind.kind}: metadata "${key}" as a string (JSON)`, method: "POST", path: base, body: `{"metadata":{"name":"${name}","${key}":"x"}}`, expect },
      );
    }
  }
  return out;
}

for (const c of cases) {
  test(`bad input: ${c.name} → ${c.expect}`, async () => {
    const headers: Record<string, string> = {};
    if (c.body !== undefined) headers["Content-Type"] = c.type ?? "application/json";
    const res = await apiFetch(server, c.path, { method: c.method, body: c.body, headers });
    const expected = Array.isArray(c.expect) ? c.expect : [c.expect];
    expect(expected).toContain(res.status);
    const status = await (res.json() as Promise<any>);
    expect(status).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", code: res.status });
    expect(typeof status.message).toBe("string");
    expect(status.message.length).toBeGreaterThan(0);
  });
}

test("stored objects are unchanged after the whole corpus", async () => {
  expect(await snapshot()).toBe(before);
  // Nothing of the corpus leaked into Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
