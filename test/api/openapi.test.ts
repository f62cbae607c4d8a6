// OpenAPI v3 and v2 with real schemas for every served kind, built-in and custom:
// `kubectl explain` (kubectl 1.32 reads v3) prints upstream's descriptions and types, a
// CRD's schema shows up at once, and kubectl's own client-side checks still pass.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { widgetCrd } from "./crd-fixtures.ts";
import { readFileSync } from "node:fs";
import { objectTypes } from "../../src/api/validation/schema/kube-schema.generated.ts";
import { generateOpenapiDocs, OPENAPI_DOCS_FILE } from "../../src/api/http/openapi-docs-source.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

const getJson = async (path: string) => {
  const r = await apiFetch(server, path);
  expect(r.status).toBe(200);
  return (await r.json()) as any;
};

describe("OpenAPI", () => {
  test("v3: every served kind has a component schema with its group/version/kind, and every $ref resolves", async () => {
    const root = await getJson("/openapi/v3");
    const discovery = await getJson("/apis");
    // Every group version of stored kinds (the review APIs and metrics.k8s.io, served by routes of their own, have none).
    const all = ["api/v1", ...discovery.groups.flatMap((g: any) => g.versions.map((v: any) => `apis/${v.groupVersion}`))];
    const stored: string[] = [];
    for (const gv of all) if ((await getJson(`/${gv}`)).resources.some((r: any) => r.verbs.includes("list") && gv !== "apis/metrics.k8s.io/v1beta1")) stored.push(gv);
    expect(stored.length).toBeGreaterThan(10);
    const groupVersions = Object.keys(root.paths);
    expect(groupVersions.sort()).toEqual(stored.sort());
    for (const gv of groupVersions) {
      const doc = await getJson(root.paths[gv].serverRelativeURL);
      const schemas = doc.components.schemas as Record<string, any>;
      const resources = await getJson(`/${gv}`);
      for (const r of resources.resources.filter((x: any) => !x.name.includes("/"))) {
        const version = gv.split("/").pop();
        const found = Object.values(schemas).find((s) => s["x-kubernetes-group-version-kind"]?.some((g: any) => g.kind === r.kind && g.version === version));
        expect(found, `${gv} ${r.kind}`).toBeDefined();
      }
      const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
      for (const ref of new Set(refs)) expect(schemas[ref.slice(22, -1)], `${gv}: ${ref}`).toBeDefined();
    }
    const apps = await getJson(root.paths["apis/apps/v1"].serverRelativeURL);
    const spec = apps.components.schemas["io.k8s.api.apps.v1.DeploymentSpec"];
    expect(spec.required).toEqual(["selector", "template"]);
    expect(spec.properties.replicas).toMatchObject({ type: "integer", format: "int32" });
    expect(spec.properties.replicas.description).toStartWith("Number of desired pods.");
    // How fields merge, from the kinds' patch declarations, as upstream's extensions.
    expect(apps.components.schemas["io.k8s.api.core.v1.PodSpec"].properties.containers).toMatchObject({
      type: "array",
      "x-kubernetes-patch-strategy": "merge",
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    });
    expect(apps.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].properties.ownerReferences["x-kubernetes-patch-merge-key"]).toBe("uid");
  });

  test("kubectl explain of built-in kinds prints upstream's descriptions", async () => {
    const out = await kubectlOk(server.kubeconfigPath, ["explain", "deployment.spec.replicas"]);
    expect(out).toContain("GROUP:      apps");
    expect(out).toContain("FIELD: replicas <integer>");
    expect(out).toContain("Number of desired pods.");
    const pod = await kubectlOk(server.kubeconfigPath, ["explain", "pods.spec.containers"]);
    expect(pod).toContain("FIELD: containers <[]Container>");
    expect(pod).toMatch(/image\s+<string>/);
    expect(pod).toMatch(/name\s+<string> -required-/);
    // The CRD kind has no upstream type in the field table: its own description of the type is served.
    const crd = await kubectlOk(server.kubeconfigPath, ["explain", "crd.spec.versions"]);
    expect(crd).toContain("FIELD: versions <[]Object>");
    expect(crd).toMatch(/storage\s+<boolean>/);
    expect(crd).toMatch(/additionalPrinterColumns\s+<\[\]Object>/);
    const cm = await kubectlOk(server.kubeconfigPath, ["explain", "configmap"]);
    expect(cm).toContain("ConfigMap holds configuration data for pods to consume.");
    expect(cm).toMatch(/metadata\s+<ObjectMeta>/);
  });

  test("a CRD's schema is served as soon as the CRD is: kubectl explain CRDKIND.spec", async () => {
    const before = await getJson("/openapi/v3");
    expect(before.paths["apis/example.com/v1"]).toBeUndefined();
    const created = await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(widgetCrd) });
    expect(created.status).toBe(201);
    const root = await getJson("/openapi/v3");
    const doc = await getJson(root.paths["apis/example.com/v1"].serverRelativeURL);
    const widget = doc.components.schemas["com.example.v1.Widget"];
    expect(widget["x-kubernetes-group-version-kind"]).toEqual([{ group: "example.com", version: "v1", kind: "Widget" }]);
    expect(widget.properties.metadata.allOf[0].$ref).toBe("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    const out = await kubectlOk(server.kubeconfigPath, ["explain", "widget.spec"]);
    expect(out).toContain("GROUP:      example.com");
    expect(out).toContain("KIND:       Widget");
    expect(out).toContain("What the widget should be.");
    expect(out).toMatch(/size\s+<string> -required-/);
    expect(out).toContain("How big the widget is.");
    expect(await kubectlOk(server.kubeconfigPath, ["explain", "widget.spec.replicas"])).toContain("FIELD: replicas <integer>");
    // A changed schema gets a new hash, so clients refetch.
    const patched = await apiFetch(server, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com", {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: JSON.stringify([{ op: "add", path: "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/shape", value: { type: "string", description: "The shape." } }]),
    });
    expect(patched.status).toBe(200);
    const after = await getJson("/openapi/v3");
    expect(after.paths["apis/example.com/v1"].serverRelativeURL).not.toBe(root.paths["apis/example.com/v1"].serverRelativeURL);
    expect(await kubectlOk(server.kubeconfigPath, ["explain", "widget.spec.shape"])).toContain("The shape.");
  });

  test("v2: definitions for every kind as JSON; the protobuf answer kubectl validates Lists against keeps none", async () => {
    const v2 = await getJson("/openapi/v2");
    expect(v2.swagger).toBe("2.0");
    expect(v2.definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", version: "v1", kind: "Deployment" }]);
    expect(v2.definitions["io.k8s.api.apps.v1.Deployment"].properties.spec.$ref).toBe("#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
    expect(v2.definitions["com.example.v1.Widget"]).toBeDefined();
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listed\n  data:\n    a: b\n- apiVersion: example.com/v1\n  kind: Widget\n  metadata:\n    name: listed\n  spec:\n    size: small\n`;
    const r = await kubectl(server.kubeconfigPath, ["apply", "-f", "-"], { input: list });
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("widget.example.com/listed created");
  });

  test("the generated descriptions cover the field table (run: bun scripts/generate-kind-schemas.ts)", () => {
    expect(generateOpenapiDocs(Object.keys(objectTypes)) === readFileSync(OPENAPI_DOCS_FILE, "utf8")).toBe(true);
  });
});
