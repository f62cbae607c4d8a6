// CustomResourceDefinitions end to end through the official client and real kubectl: a CRD
// is served within a second (discovery, CRUD, list, watch, tables with its printer
// columns, patches with strategic merge refused, status and scale subresources), custom
// objects are validated, defaulted and pruned by its structural schema, two versions are
// served over one storage version, and deleting the CRD deletes its objects first.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig, Watch, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { widgetCrd } from "./crd-fixtures.ts";

let server: TestServer;
let kc: KubeConfig;
let crds: ApiextensionsV1Api;
let custom: CustomObjectsApi;

const clusterCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Cluster",
    names: { plural: "gadgets", kind: "Gadget" },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { level: { type: "integer" } } } } } } }],
  },
};

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  server = await startTestServer();
  kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  crds = kc.makeApiClient(ApiextensionsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});
afterAll(() => server.cleanup());

const widgets = { group: "example.com", version: "v1", plural: "widgets" };

describe("a CRD", () => {
  test("is served within a second of its creation, and Established", async () => {
    const started = performance.now();
    // Raw JSON: the client's typed model would drop the x-kubernetes-* keys written this way.
    const created = await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(widgetCrd) });
    expect(created.status).toBe(201);
    await custom.listNamespacedCustomObject({ ...widgets, namespace: "default" });
    expect(performance.now() - started).toBeLessThan(1000);
    const crd = await waitFor("Established", async () => {
      const c = await crds.readCustomResourceDefinition({ name: "widgets.example.com" });
      return c.status?.conditions?.find((x) => x.type === "Established")?.status === "True" ? c : undefined;
    });
    expect(crd.status?.conditions?.find((x) => x.type === "NamesAccepted")).toMatchObject({ status: "True", reason: "NoConflicts" });
    expect(crd.status?.acceptedNames).toMatchObject({ plural: "widgets", kind: "Widget", listKind: "WidgetList", singular: "widget" });
    expect(crd.status?.storedVersions).toEqual(["v1"]);
    expect(crd.metadata?.finalizers).toContain("customresourcecleanup.apiextensions.k8s.io");
    expect(crd.metadata?.generation).toBe(1);
    expect(await kubectlOk(server.kubeconfigPath, ["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s"])).toBe("customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met\n");
    const table = await kubectlOk(server.kubeconfigPath, ["get", "crd"]);
    expect(table).toMatch(/^NAME\s+CREATED AT\n/);
    expect(table).toMatch(/widgets\.example\.com\s+\d{4}-\d{2}-\d{2}T/);
  });

  test("shows in aggregated and legacy discovery, both versions, with its names", async () => {
    const list = (await (await apiFetch(server, "/apis/example.com/v1")).json()) as any;
    expect(list.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "widgets", singularName: "widget", namespaced: true, kind: "Widget", shortNames: ["wd"], categories: ["all"] }),
        expect.objectContaining({ name: "widgets/status" }),
        expect.objectContaining({ name: "widgets/scale", group: "autoscaling", version: "v1", kind: "Scale" }),
      ]),
    );
    const group = (await (await apiFetch(server, "/apis/example.com")).json()) as any;
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(["v1", "v1beta1"]);
    const agg = (await (await apiFetch(server, "/apis", { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" } })).json()) as any;
    const item = agg.items.find((i: any) => i.metadata.name === "example.com");
    expect(item.versions[0].resources[0]).toMatchObject({ resource: "widgets", scope: "Namespaced", responseKind: { kind: "Widget" } });
    const resources = await kubectlOk(server.kubeconfigPath, ["api-resources", "--api-group=example.com"]);
    expect(resources).toMatch(/widgets\s+wd\s+example\.com\/v1\s+true\s+Widget/);
  });

  test("kubectl apply creates a custom object: defaults filled, printer columns shown", async () => {
    const manifest = `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: small\n  tags: [a, b]\n`;
    await kubectlOk(server.kubeconfigPath, ["apply", "-f", "-"], { input: manifest });
    const w = (await custom.getNamespacedCustomObject({ ...widgets, namespace: "default", name: "w1" })) as any;
    expect(w.spec).toEqual({ size: "small", tags: ["a", "b"], replicas: 1, color: "blue" });
    expect(w.metadata.generation).toBe(1);
    const out = await kubectlOk(server.kubeconfigPath, ["get", "widgets"]);
    expect(out).toMatch(/^NAME\s+SIZE\s+REPLICAS\s+READY\s+AGE\n/);
    expect(out).toMatch(/w1\s+small\s+1\s+\s*\d+s/);
    // Short name and the "all" category reach it too.
    expect(await kubectlOk(server.kubeconfigPath, ["get", "wd", "-o", "name"])).toBe("widget.example.com/w1\n");
    expect(await kubectlOk(server.kubeconfigPath, ["get", "all", "-o", "name"])).toContain("widget.example.com/w1");
    // Applied again with a change: kubectl patches a custom object with a merge patch.
    expect(await kubectlOk(server.kubeconfigPath, ["apply", "-f", "-"], { input: manifest.replace("size: small", "size: large") })).toBe("widget.example.com/w1 configured\n");
    expect(((await custom.getNamespacedCustomObject({ ...widgets, namespace: "default", name: "w1" })) as any).spec.size).toBe("large");
    await kubectlOk(server.kubeconfigPath, ["apply", "-f", "-"], { input: manifest });
  });

  test("structural validation: 422 Invalid with upstream's field paths and messages", async () => {
    const bad = async (spec: unknown) => {
      const r = await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "bad" }, spec }) });
      expect(r.status).toBe(422);
      const s = (await r.json()) as any;
      expect(s).toMatchObject({ kind: "Status", reason: "Invalid", code: 422, details: { name: "bad", group: "example.com", kind: "Widget" } });
      return s.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    };
    expect(await bad({})).toEqual(["spec.size: Required value"]);
    expect(await bad({ size: "huge" })).toEqual(['spec.size: Unsupported value: "huge": supported values: "small", "large"']);
    expect(await bad({ size: "small", replicas: "3" })).toEqual(['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']);
    expect(await bad({ size: "small", replicas: 11 })).toEqual(["spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"]);
    expect(await bad({ size: "small", replicas: -1 })).toEqual(["spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0"]);
    expect(await bad({ size: "small", color: "Red" })).toEqual([`spec.color: Invalid value: "Red": spec.color in body should match '^[a-z]+$'`]);
    expect(await bad({ size: "small", color: "abcdefghij" })).toEqual(["spec.color: Too long: may not be more than 8 bytes"]);
    expect(await bad({ size: "small", tags: ["a", "b", "c", "d"] })).toEqual(["spec.tags: Too many: 4: must have at most 3 items"]);
    expect(await bad({ size: "small", tags: ["a", "a"] })).toEqual(['spec.tags[1]: Duplicate value: "a"']);
    expect(await bad({ size: "small", ports: [{ name: "x", port: 1 }, { name: "x", port: 2 }] })).toEqual(['spec.ports[1]: Duplicate value: map[string]interface {}{"name":"x"}']);
    expect(await bad({ size: "small", email: "nope" })).toEqual(['spec.email: Invalid value: "nope": spec.email in body must be of type email: "nope"']);
    expect(await bad({ size: "small", port: true })).toEqual(['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
    expect(await bad({ size: "small", template: { metadata: {} } })).toEqual(["spec.template.apiVersion: Required value: must not be empty", "spec.template.kind: Required value: must not be empty"]);
  });

  test("bodies of any shape get a Status, never a failure inside", async () => {
    const values: unknown[] = [null, true, 0, -1.5, 1e300, "", "x", [], [1, "a"], {}, { a: { b: [null] } }, "__proto__"];
    let seed = 7;
    const pick = <T>(list: T[]) => list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length]!;
    const fields = ["size", "replicas", "color", "email", "port", "tags", "ports", "extra", "nick", "template", "__proto__", "constructor"];
    const codes = new Set<number>();
    for (let i = 0; i < 150; i++) {
      const spec: Record<string, unknown> = {};
      for (let j = 0; j < 3; j++) spec[pick(fields)] = pick(values);
      const body = i % 10 === 0 ? pick(values) : { apiVersion: "example.com/v1", kind: "Widget", metadata: i % 7 === 0 ? pick(values) : { name: `fuzz-${i}`, labels: { fuzz: "1" } }, spec: i % 5 === 0 ? pick(values) : spec, status: pick(values) };
      const r = await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Ignore", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const status = (await r.json()) as any;
      codes.add(r.status);
      expect([201, 400, 422], JSON.stringify(body)).toContain(r.status);
      if (r.status !== 201) expect(status.kind).toBe("Status");
    }
    expect(codes.has(201) && codes.has(422)).toBe(true);
    expect((await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets?labelSelector=fuzz%3D1", { method: "DELETE" })).status).toBe(200);
  });

  test("int-or-string, nullable, preserved and embedded fields are accepted", async () => {
    const body = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w2" }, spec: { size: "large", port: "http", nick: null, extra: { any: { thing: 1 } }, template: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { a: "b" } } } };
    const w = (await custom.createNamespacedCustomObject({ ...widgets, namespace: "default", body })) as any;
    expect(w.spec).toMatchObject({ port: "http", nick: null, extra: { any: { thing: 1 } }, template: { kind: "ConfigMap", data: { a: "b" } } });
    const w3 = (await custom.createNamespacedCustomObject({ ...widgets, namespace: "default", body: { ...body, metadata: { name: "w3" }, spec: { size: "large", port: 8080 } } })) as any;
    expect(w3.spec.port).toBe(8080);
    // A null where the schema does not allow one is dropped, then defaulted.
    const w7 = (await custom.createNamespacedCustomObject({ ...widgets, namespace: "default", body: { ...body, metadata: { name: "w7" }, spec: { size: "large", color: null, email: null } } })) as any;
    expect(w7.spec).toEqual({ size: "large", color: "blue", replicas: 1 });
  });

  test("unknown fields: Strict refuses, Warn warns and prunes, Ignore prunes", async () => {
    const body = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w4" }, spec: { size: "small", shape: "round" }, top: 1 };
    const post = (fv: string, name: string) =>
      apiFetch(server, `/apis/example.com/v1/namespaces/default/widgets?fieldValidation=${fv}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, metadata: { name } }) });
    const strict = await post("Strict", "w4");
    expect(strict.status).toBe(422);
    expect(((await strict.json()) as any).details.causes).toEqual([
      { reason: "FieldValueInvalid", field: "spec.shape", message: 'strict decoding error: unknown field "spec.shape"' },
      { reason: "FieldValueInvalid", field: "top", message: 'strict decoding error: unknown field "top"' },
    ]);
    const warn = await post("Warn", "w5");
    expect(warn.status).toBe(201);
    expect(warn.headers.get("warning")).toContain("unknown field 'spec.shape'");
    const warned = (await warn.json()) as any;
    expect(warned.spec.shape).toBeUndefined();
    expect(warned.top).toBeUndefined();
    const ignore = await post("Ignore", "w6");
    expect(ignore.status).toBe(201);
    expect(((await ignore.json()) as any).spec).toEqual({ size: "small", replicas: 1, color: "blue" });
  });
});

describe("custom objects", () => {
  const path = "/apis/example.com/v1/namespaces/default/widgets";
  const patch = (name: string, type: string, body: unknown, sub = "") =>
    apiFetch(server, `${path}/${name}${sub}`, { method: "PATCH", headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) });

  test("merge, JSON and apply patches work; strategic merge patch is 415 as upstream", async () => {
    expect((await patch("w1", "application/merge-patch+json", { spec: { color: "red" } })).status).toBe(200);
    expect((await patch("w1", "application/json-patch+json", [{ op: "replace", path: "/spec/replicas", value: 2 }])).status).toBe(200);
    // Through another served version too.
    const betaSmp = await apiFetch(server, "/apis/example.com/v1beta1/namespaces/default/widgets/w1", { method: "PATCH", headers: { "content-type": "application/strategic-merge-patch+json" }, body: "{}" });
    expect(betaSmp.status).toBe(415);
    const smp = await patch("w1", "application/strategic-merge-patch+json", { spec: { color: "green" } });
    expect(smp.status).toBe(415);
    expect(await smp.json()).toMatchObject({
      kind: "Status",
      reason: "UnsupportedMediaType",
      code: 415,
      message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    });
    // Server-side apply merges the list-type=map list by its key.
    const apply = (ports: unknown, manager: string) =>
      apiFetch(server, `${path}/w1?fieldManager=${manager}`, { method: "PATCH", headers: { "content-type": "application/apply-patch+yaml" }, body: JSON.stringify({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: "small", ports } }) });
    expect((await apply([{ name: "http", port: 80 }], "a")).status).toBe(200);
    const r = await apply([{ name: "https", port: 443 }], "b");
    expect(r.status).toBe(200);
    const w = (await r.json()) as any;
    expect(w.spec.ports).toEqual([{ name: "http", port: 80 }, { name: "https", port: 443 }]);
    expect(w.spec).toMatchObject({ color: "red", replicas: 2 });
    expect(w.metadata.generation).toBeGreaterThan(1);
    // kubectl patch's default type (strategic) is refused the same way; --type=merge works.
    const k = await kubectl(server.kubeconfigPath, ["patch", "widget", "w1", "-p", '{"spec":{"color":"pink"}}']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain("application/strategic-merge-patch+json is not supported by example.com/v1, Kind=Widget");
    await kubectlOk(server.kubeconfigPath, ["patch", "widget", "w1", "--type=merge", "-p", '{"spec":{"color":"pink"}}']);
  });

  test("status subresource: the object's writes keep status, status writes keep spec", async () => {
    const put = await patch("w1", "application/merge-patch+json", { status: { replicas: 2, selector: "app=w1", conditions: [{ type: "Ready", status: "True" }] } }, "/status");
    expect(put.status).toBe(200);
    const w = (await put.json()) as any;
    expect(w.status).toEqual({ replicas: 2, selector: "app=w1", conditions: [{ type: "Ready", status: "True" }] });
    const ignored = (await (await patch("w1", "application/merge-patch+json", { status: { replicas: 9 } })).json()) as any;
    expect(ignored.status.replicas).toBe(2);
    const specByStatus = (await (await patch("w1", "application/merge-patch+json", { spec: { color: "gray" } }, "/status")).json()) as any;
    expect(specByStatus.spec.color).toBe("pink");
    const bad = await patch("w1", "application/merge-patch+json", { status: { replicas: "two" } }, "/status");
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).details.causes[0].field).toBe("status.replicas");
    expect(await kubectlOk(server.kubeconfigPath, ["get", "widget", "w1"])).toMatch(/w1\s+small\s+2\s+True\s+/);
  });

  test("scale subresource from the CRD's paths; kubectl scale", async () => {
    const scale = (await (await apiFetch(server, `${path}/w1/scale`)).json()) as any;
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 2 }, status: { replicas: 2, selector: "app=w1" } });
    await kubectlOk(server.kubeconfigPath, ["scale", "widget", "w1", "--replicas=5"]);
    const w = (await custom.getNamespacedCustomObject({ ...widgets, namespace: "default", name: "w1" })) as any;
    expect(w.spec.replicas).toBe(5);
    const over = await kubectl(server.kubeconfigPath, ["scale", "widget", "w1", "--replicas=11"]);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain("spec.replicas in body should be less than or equal to 10");
  });

  test("list with label and field selectors, pagination, and watch", async () => {
    await kubectlOk(server.kubeconfigPath, ["label", "widget", "w2", "tier=gold"]);
    const byLabel = (await custom.listNamespacedCustomObject({ ...widgets, namespace: "default", labelSelector: "tier=gold" })) as any;
    expect(byLabel.items.map((o: any) => o.metadata.name)).toEqual(["w2"]);
    expect(byLabel.kind).toBe("WidgetList");
    const byField = (await custom.listNamespacedCustomObject({ ...widgets, namespace: "default", fieldSelector: "metadata.name=w3" })) as any;
    expect(byField.items.map((o: any) => o.metadata.name)).toEqual(["w3"]);
    // selectableFields make a schema field a field selector.
    const bySize = (await custom.listNamespacedCustomObject({ ...widgets, namespace: "default", fieldSelector: "spec.size=large" })) as any;
    expect(bySize.items.map((o: any) => o.metadata.name)).toEqual(["w2", "w3", "w7"]);
    expect((await apiFetch(server, `${path}?fieldSelector=spec.color%3Dred`)).status).toBe(400);
    const page = (await custom.listNamespacedCustomObject({ ...widgets, namespace: "default", limit: 2 })) as any;
    expect(page.items).toHaveLength(2);
    expect(page.metadata.continue).toBeTruthy();

    const events: string[] = [];
    const w = new Watch(kc);
    const req = await w.watch(`${path}`, { resourceVersion: page.metadata.resourceVersion }, (type, obj) => events.push(`${type} ${obj.metadata.name}`), () => {});
    await custom.createNamespacedCustomObject({ ...widgets, namespace: "default", body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "watched" }, spec: { size: "small" } } });
    await custom.deleteNamespacedCustomObject({ ...widgets, namespace: "default", name: "watched" });
    await waitFor("watch events", () => (events.length >= 2 ? true : undefined));
    req.abort();
    expect(events).toEqual(["ADDED watched", "DELETED watched"]);
  });

  test("a second served version: same objects, apiVersion rewritten both ways", async () => {
    const beta = { group: "example.com", version: "v1beta1", plural: "widgets" };
    const got = (await custom.getNamespacedCustomObject({ ...beta, namespace: "default", name: "w1" })) as any;
    expect(got.apiVersion).toBe("example.com/v1beta1");
    expect(got.spec.replicas).toBe(5);
    await custom.createNamespacedCustomObject({ ...beta, namespace: "default", body: { apiVersion: "example.com/v1beta1", kind: "Widget", metadata: { name: "from-beta" }, spec: { size: "large" } } });
    const stored = (await custom.getNamespacedCustomObject({ ...widgets, namespace: "default", name: "from-beta" })) as any;
    expect(stored.apiVersion).toBe("example.com/v1");
    expect(stored.spec).toEqual({ size: "large", replicas: 1, color: "blue" });
    const list = (await custom.listNamespacedCustomObject({ ...beta, namespace: "default" })) as any;
    expect(list.apiVersion).toBe("example.com/v1beta1");
    expect(new Set(list.items.map((o: any) => o.apiVersion))).toEqual(new Set(["example.com/v1beta1"]));
    const k = await kubectl(server.kubeconfigPath, ["get", "widgets.v1beta1.example.com", "from-beta", "-o", "jsonpath={.apiVersion}"]);
    expect(k.stdout).toBe("example.com/v1beta1");
    // The version is deprecated: every answer through it warns, answers through v1 do not.
    expect(k.stderr).toBe("Warning: example.com/v1beta1 Widget is deprecated\n");
    expect((await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets/from-beta")).headers.get("warning")).toBeNull();
  });

  test("a new storage version: stored objects are served in it, storedVersions keeps both", async () => {
    const crdPath = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";
    const swap = (v1: boolean) =>
      apiFetch(server, crdPath, {
        method: "PATCH",
        headers: { "content-type": "application/json-patch+json" },
        body: JSON.stringify([
          { op: "replace", path: "/spec/versions/0/storage", value: v1 },
          { op: "replace", path: "/spec/versions/1/storage", value: !v1 },
        ]),
      });
    expect((await swap(false)).status).toBe(200);
    const beta = (await (await apiFetch(server, "/apis/example.com/v1beta1/namespaces/default/widgets/w1")).json()) as any;
    expect(beta.apiVersion).toBe("example.com/v1beta1");
    const v1 = (await (await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets/w1")).json()) as any;
    expect(v1.apiVersion).toBe("example.com/v1");
    const crd = await waitFor("storedVersions", async () => {
      const c = await crds.readCustomResourceDefinition({ name: "widgets.example.com" });
      return c.status?.storedVersions?.length === 2 ? c : undefined;
    });
    expect(crd.status?.storedVersions).toEqual(["v1", "v1beta1"]);
    expect((await swap(true)).status).toBe(200);
    expect(((await (await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets/w1")).json()) as any).spec.size).toBe("small");
  });

  test("a create through another version is checked against that version's schema", async () => {
    const schema = (max?: number) => ({ openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { value: { type: "integer", ...(max ? { maximum: max } : {}) } } } } } });
    const dials = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "dials.example.com" },
      spec: { group: "example.com", scope: "Namespaced", names: { plural: "dials", kind: "Dial" }, versions: [{ name: "v2", served: true, storage: true, schema: schema() }, { name: "v1", served: true, storage: false, schema: schema(5) }] },
    };
    expect((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", body: JSON.stringify(dials) })).status).toBe(201);
    const create = (version: string, name: string) =>
      apiFetch(server, `/apis/example.com/${version}/namespaces/default/dials`, { method: "POST", body: JSON.stringify({ apiVersion: `example.com/${version}`, kind: "Dial", metadata: { name }, spec: { value: 7 } }) });
    const refused = await create("v1", "through-v1");
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as any).message).toBe('Dial.example.com "through-v1" is invalid: spec.value: Invalid value: 7: spec.value in body should be less than or equal to 5');
    expect((await create("v2", "through-v2")).status).toBe(201);
    expect((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/dials.example.com", { method: "DELETE" })).status).toBeLessThan(300);
  });

  test("a cluster-scoped kind", async () => {
    const created = await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(clusterCrd) });
    expect(created.status).toBe(201);
    await kubectlOk(server.kubeconfigPath, ["apply", "-f", "-"], { input: "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  level: 3\n" });
    const g = (await custom.getClusterCustomObject({ group: "example.com", version: "v1", plural: "gadgets", name: "g1" })) as any;
    expect(g.metadata.namespace).toBeUndefined();
    expect(g.spec.level).toBe(3);
    expect((await apiFetch(server, "/apis/example.com/v1/namespaces/default/gadgets/g1")).status).toBe(404);
    expect(await kubectlOk(server.kubeconfigPath, ["get", "gadgets"])).toMatch(/^NAME\s+AGE\ng1\s+\d+s\n$/);
  });

  test("a CRD whose names another kind of its group holds is not served: NamesAccepted False", async () => {
    const clash = structuredClone(clusterCrd) as any;
    clash.metadata.name = "gizmos.example.com";
    clash.spec.names = { plural: "gizmos", kind: "Gadget" };
    expect((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(clash) })).status).toBe(201);
    const crd = await waitFor("NamesAccepted", async () => {
      const c = await crds.readCustomResourceDefinition({ name: "gizmos.example.com" });
      return c.status?.conditions?.length ? c : undefined;
    });
    expect(crd.status?.conditions?.find((c) => c.type === "NamesAccepted")).toMatchObject({ status: "False", reason: "NameConflict", message: '"gadget" is already in use' });
    expect(crd.status?.conditions?.find((c) => c.type === "Established")).toMatchObject({ status: "False" });
    expect((await apiFetch(server, "/apis/example.com/v1/gizmos")).status).toBe(404);
    await crds.deleteCustomResourceDefinition({ name: "gizmos.example.com" });
  });

  test("CRD validation answers 422 with upstream's messages", async () => {
    const bad = async (mutate: (c: any) => void) => {
      const c = structuredClone(clusterCrd) as any;
      mutate(c);
      const r = await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(c) });
      expect(r.status).toBe(422);
      return ((await r.json()) as any).details.causes.map((x: any) => `${x.field}: ${x.message}`);
    };
    expect(await bad((c) => (c.metadata.name = "other.example.com"))).toEqual(['metadata.name: Invalid value: "other.example.com": must be spec.names.plural+"."+spec.group']);
    expect(await bad((c) => (c.spec.versions[0].storage = false))).toEqual(['spec.versions: Invalid value: []string{"v1"}: must have exactly one version marked as storage version']);
    expect(await bad((c) => (c.spec.scope = "Global"))).toEqual(['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
    expect(await bad((c) => delete c.spec.versions[0].schema)).toEqual(["spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"]);
    expect(await bad((c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.level = {}))).toEqual([
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[level].type: Required value: must not be empty for specified object fields",
    ]);
    // Any value anywhere: a Status, never a failure inside.
    const values: unknown[] = [null, true, 0, 2.5, "", "x", [], [null], [1], {}, { type: "x" }, [{ name: 1 }]];
    const paths = [["spec"], ["spec", "names"], ["spec", "names", "kind"], ["spec", "versions"], ["spec", "versions", 0], ["spec", "versions", 0, "schema"], ["spec", "versions", 0, "schema", "openAPIV3Schema"], ["spec", "versions", 0, "schema", "openAPIV3Schema", "properties"], ["spec", "versions", 0, "schema", "openAPIV3Schema", "properties", "spec", "properties", "level", "default"], ["spec", "versions", 0, "subresources"], ["spec", "versions", 0, "additionalPrinterColumns"], ["spec", "conversion"], ["spec", "scope"], ["metadata"]];
    for (const p of paths) {
      for (const v of values) {
        const c = structuredClone(clusterCrd) as any;
        c.metadata.name = "fuzzes.example.com";
        c.spec.names = { plural: "fuzzes", kind: "Fuzz" };
        let at = c;
        for (const k of p.slice(0, -1)) at = at[k];
        at[p.at(-1)!] = v;
        const r = await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(c) });
        expect([201, 400, 422], `${p.join(".")} = ${JSON.stringify(v)}`).toContain(r.status);
        expect(((await r.json()) as any).kind).toBe(r.status === 201 ? "CustomResourceDefinition" : "Status");
      }
    }
    // Unknown fields of a CRD are refused as for every kind (kubectl's default fieldValidation=Strict).
    expect(await bad((c) => (c.spec.versions[0].servd = true))).toEqual(['spec.versions[0].servd: strict decoding error: unknown field "spec.versions[0].servd"']);
    // Values of the wrong type anywhere are refused before anything reads them.
    expect(await bad((c) => (c.spec.names.shortNames = "gd"))).toEqual(['spec.names.shortNames: Invalid value: "string": spec.names.shortNames in body must be of type array: "string"']);
    expect(await bad((c) => (c.spec.names.kind = 5))).toEqual(['spec.names.kind: Invalid value: "integer": spec.names.kind in body must be of type string: "integer"']);
    expect(await bad((c) => (c.spec.versions[0].additionalPrinterColumns = "x"))).toEqual([
      'spec.versions[0].additionalPrinterColumns: Invalid value: "string": spec.versions[0].additionalPrinterColumns in body must be of type array: "string"',
    ]);
    expect(await bad((c) => (c.spec.versions = [5]))).toEqual(['spec.versions[0]: Invalid value: "integer": spec.versions[0] in body must be of type object: "integer"']);
    expect(await bad((c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.level = { type: "integer", enum: "x", minimum: "1" }))).toEqual([
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[level].minimum: Invalid value: "1": must be of type number',
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[level].enum: Invalid value: "x": must be of type array',
    ]);
    expect(await bad((c) => (c.spec.versions[0].selectableFields = [{ jsonPath: ".spec.nope" }, { jsonPath: ".spec" }]))).toEqual([
      'spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.nope": is an invalid path: does not refer to a valid field',
      'spec.versions[0].selectableFields[1].jsonPath: Invalid value: ".spec": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
    ]);
    expect(await bad((c) => (c.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.level = { type: "array", items: { type: "object" }, "x-kubernetes-list-type": "map" }))).toEqual([
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[level].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map",
    ]);
  });
});

describe("deleting a CRD", () => {
  test("deletes its objects first (Terminating condition), then the CRD, and stops serving the kind", async () => {
    const before = (await custom.listNamespacedCustomObject({ ...widgets, namespace: "default" })) as any;
    expect(before.items.length).toBeGreaterThan(3);
    // One object holds a finalizer of its own: the CRD waits for it.
    await kubectlOk(server.kubeconfigPath, ["patch", "widget", "w2", "--type=merge", "-p", '{"metadata":{"finalizers":["example.com/hold"]}}']);
    await crds.deleteCustomResourceDefinition({ name: "widgets.example.com" });
    const terminating = await waitFor("Terminating", async () => {
      const c = await crds.readCustomResourceDefinition({ name: "widgets.example.com" });
      return c.status?.conditions?.some((x) => x.type === "Terminating" && x.status === "True") ? c : undefined;
    });
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    const left = await waitFor("only the held object left", async () => {
      const l = (await custom.listNamespacedCustomObject({ ...widgets, namespace: "default" })) as any;
      return l.items.length === 1 ? l : undefined;
    });
    expect(left.items[0].metadata.name).toBe("w2");
    // No new objects while terminating.
    const refused = await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "late" }, spec: { size: "small" } }) });
    expect(refused.status).toBe(405);
    await kubectlOk(server.kubeconfigPath, ["patch", "widget", "w2", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    await waitFor("the CRD gone", async () => ((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).status === 404 ? true : undefined));
    expect((await apiFetch(server, "/apis/example.com/v1/namespaces/default/widgets")).status).toBe(404);
    const group = (await (await apiFetch(server, "/apis/example.com")).json()) as any;
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(["v1"]); // gadgets remain
    // Created again, the kind starts empty.
    expect((await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(widgetCrd) })).status).toBe(201);
    expect(((await custom.listNamespacedCustomObject({ ...widgets, namespace: "default" })) as any).items).toEqual([]);
  });
});
