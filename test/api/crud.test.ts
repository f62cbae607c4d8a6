// CRUD, selectors, paging, optimistic concurrency and auth through the official
// JavaScript client against a real server on a real SQLite file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

beforeAll(async () => {
  server = await startTestServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
});
afterAll(() => server.cleanup());

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { code?: number }).code;
  }
};

describe("namespaces at start", () => {
  test("default, kube-system, kube-public and kube-node-lease exist", async () => {
    const list = await core.listNamespace();
    expect(list.items.map((n) => n.metadata!.name).sort()).toEqual(["default", "kube-node-lease", "kube-public", "kube-system"]);
    expect(list.items[0]!.status?.phase).toBe("Active");
  });
});

describe("configmaps", () => {
  test("create, get, update, delete with server-owned metadata", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "one", labels: { app: "a" } }, data: { k: "v" } } });
    expect(created.metadata!.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata!.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata!.creationTimestamp).toBeInstanceOf(Date);
    const got = await core.readNamespacedConfigMap({ name: "one", namespace: "default" });
    expect(got.data).toEqual({ k: "v" });
    got.data = { k: "w" };
    const updated = await core.replaceNamespacedConfigMap({ name: "one", namespace: "default", body: got });
    expect(Number(updated.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata!.resourceVersion));
    expect(updated.metadata!.uid).toBe(created.metadata!.uid);
    // The old resourceVersion is stale now: optimistic concurrency says 409.
    got.data = { k: "stale" };
    expect(await code(core.replaceNamespacedConfigMap({ name: "one", namespace: "default", body: got }))).toBe(409);
    expect((await core.readNamespacedConfigMap({ name: "one", namespace: "default" })).data).toEqual({ k: "w" });
    await core.deleteNamespacedConfigMap({ name: "one", namespace: "default" });
    expect(await code(core.readNamespacedConfigMap({ name: "one", namespace: "default" }))).toBe(404);
  });

  test("duplicate create is 409 AlreadyExists", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "dup" } } });
    const res = await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "dup" } }) });
    expect(res.status).toBe(409);
    expect(await (res.json() as Promise<any>)).toMatchObject({ kind: "Status", reason: "AlreadyExists", message: 'configmaps "dup" already exists' });
  });

  test("generateName gives a unique name", async () => {
    const a = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { generateName: "gen-" } } });
    const b = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { generateName: "gen-" } } });
    expect(a.metadata!.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata!.name).not.toBe(b.metadata!.name);
  });

  test("label selectors: =, !=, in, notin, exists, !exists", async () => {
    await core.createNamespace({ body: { metadata: { name: "sel" } } });
    const mk = (name: string, labels: Record<string, string>) => core.createNamespacedConfigMap({ namespace: "sel", body: { metadata: { name, labels } } });
    await mk("a", { tier: "web", env: "prod" });
    await mk("b", { tier: "db", env: "prod" });
    await mk("c", { tier: "web", env: "dev" });
    await mk("d", { other: "x" });
    const names = async (labelSelector: string) => (await core.listNamespacedConfigMap({ namespace: "sel", labelSelector })).items.map((i) => i.metadata!.name);
    expect(await names("tier=web")).toEqual(["a", "c"]);
    expect(await names("tier!=web")).toEqual(["b", "d"]);
    expect(await names("env in (prod,staging)")).toEqual(["a", "b"]);
    expect(await names("env notin (prod)")).toEqual(["c", "d"]);
    expect(await names("tier")).toEqual(["a", "b", "c"]);
    expect(await names("!tier")).toEqual(["d"]);
    expect(await names("tier=web,env=dev")).toEqual(["c"]);
    const bad = await apiFetch(server, "/api/v1/namespaces/sel/configmaps?labelSelector=" + encodeURIComponent("a in (b"));
    expect(bad.status).toBe(400);
  });

  test("field selectors on name and namespace; unknown field is 400", async () => {
    const all = await core.listConfigMapForAllNamespaces({ fieldSelector: "metadata.namespace=sel,metadata.name!=a" });
    expect(all.items.map((i) => i.metadata!.name)).toEqual(["b", "c", "d"]);
    const res = await apiFetch(server, "/api/v1/configmaps?fieldSelector=spec.nope%3Dx");
    expect(res.status).toBe(400);
  });

  test("limit and continue page through a list", async () => {
    await core.createNamespace({ body: { metadata: { name: "paging" } } });
    for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: "paging", body: { metadata: { name: `cm-${i}` } } });
    const seen: string[] = [];
    let cont: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: "paging", limit: 3, _continue: cont });
      seen.push(...page.items.map((i) => i.metadata!.name!));
      cont = page.metadata?._continue;
    } while (cont);
    expect(seen).toEqual(["cm-0", "cm-1", "cm-2", "cm-3", "cm-4", "cm-5", "cm-6"]);
  });
});

describe("namespaces", () => {
  test("objects in a missing namespace are refused with 404", async () => {
    expect(await code(core.createNamespacedConfigMap({ namespace: "nowhere", body: { metadata: { name: "x" } } }))).toBe(404);
  });

  test("deleting a namespace deletes what is inside, then the namespace", async () => {
    await core.createNamespace({ body: { metadata: { name: "doomed" } } });
    await core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "x" } } });
    await core.createNamespacedSecret({ namespace: "doomed", body: { metadata: { name: "s" }, stringData: { a: "b" } } });
    await core.deleteNamespace({ name: "doomed" });
    for (let i = 0; i < 50; i++) {
      if ((await code(core.readNamespace({ name: "doomed" }))) === 404) break;
      await Bun.sleep(100);
    }
    expect(await code(core.readNamespace({ name: "doomed" }))).toBe(404);
    expect((await core.listConfigMapForAllNamespaces({ fieldSelector: "metadata.namespace=doomed" })).items).toHaveLength(0);
  });
});

describe("deployments", () => {
  const deployment = (name: string, replicas = 2): k8s.V1Deployment => ({
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image: "localhost/web:1" }] } },
    },
  });

  test("defaults, generation, and the scale subresource", async () => {
    const d = await apps.createNamespacedDeployment({ namespace: "default", body: deployment("web") });
    expect(d.metadata!.generation).toBe(1);
    expect(d.spec!.strategy!.type).toBe("RollingUpdate");
    expect(d.spec!.revisionHistoryLimit).toBe(10);
    const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: "default" });
    expect(scale.spec!.replicas).toBe(2);
    expect(scale.status!.selector).toBe("app=web");
    await apps.patchNamespacedDeploymentScale({ name: "web", namespace: "default", body: { spec: { replicas: 5 } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    const after = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    expect(after.spec!.replicas).toBe(5);
    expect(after.metadata!.generation).toBe(2);
  });

  test("status writes go through the status subresource only", async () => {
    const d = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    d.status = { replicas: 99 };
    const updated = await apps.replaceNamespacedDeployment({ name: "web", namespace: "default", body: d });
    expect(updated.status?.replicas).not.toBe(99);
    const withStatus = await apps.replaceNamespacedDeploymentStatus({ name: "web", namespace: "default", body: { ...updated, status: { replicas: 3, observedGeneration: 2 } } });
    expect(withStatus.status!.replicas).toBe(3);
    expect(withStatus.metadata!.generation).toBe(updated.metadata!.generation);
  });

  test("a selector that does not match the template labels is 422 naming the field", async () => {
    const bad = deployment("bad");
    bad.spec!.selector = { matchLabels: { app: "other" } };
    const res = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments", { method: "POST", body: JSON.stringify(bad) });
    expect(res.status).toBe(422);
    const status = await (res.json() as Promise<any>);
    expect(status.reason).toBe("Invalid");
    expect(status.details.causes.map((c: { field: string }) => c.field)).toContain("spec.template.metadata.labels");
  });
});

describe("auth", () => {
  test("no token and a wrong token get 401 Status; /version, /readyz need none", async () => {
    for (const token of [null, "wrong"]) {
      const res = await apiFetch(server, "/api/v1/namespaces", { token });
      expect(res.status).toBe(401);
      expect(await (res.json() as Promise<any>)).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized" });
    }
    expect((await apiFetch(server, "/version", { token: null })).status).toBe(200);
    expect(await (await apiFetch(server, "/readyz", { token: null })).text()).toBe("ok");
    expect(await (await apiFetch(server, "/readyz?verbose", { token: null })).text()).toContain("[+]store ok");
  });
});
