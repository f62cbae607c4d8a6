import { test, expect, describe, beforeAll, afterAll } from "bun:test";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, apiFetch, tempDir, type TestServer } from "../support/server.ts";
import { layerBinary } from "../support/kubectl.ts";
import { ApiClient } from "../../src/client/api-client.ts";
import { releaseFromSecret } from "../../src/charts/release/secret-driver.ts";
import { startManifestsWatcher } from "../../src/server/manifests/manifests-watcher.ts";

// Releases end to end: skiff's chart commands and the real helm v4.1.4 binary against one
// in-process skiff server, each reading what the other wrote.
const root = join(import.meta.dir, "../..");
const scaffold = join(root, "test/fixtures/helm/scaffold/scaffold");
const badYaml = join(root, "test/fixtures/helm/testcharts/chart-with-template-with-invalid-yaml");

let server: TestServer;
let helmHome: string;

type Run = { code: number; stdout: string; stderr: string };

async function exec(cmd: string[], timeoutMs = 90_000): Promise<Run> {
  const p = Bun.spawn(cmd, {
    cwd: root, stdout: "pipe", stderr: "pipe",
    env: { ...process.env, KUBECONFIG: server.kubeconfigPath, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, "cache"), HELM_CONFIG_HOME: join(helmHome, "config"), HELM_DATA_HOME: join(helmHome, "data") },
  });
  const timer = setTimeout(() => p.kill(), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const skiff = (...args: string[]) => exec([process.execPath, join(root, "src/main.ts"), "chart", ...args]);
const helm = (...args: string[]) => exec([layerBinary("helm/helm"), ...args, "--kubeconfig", server.kubeconfigPath]);

async function ok(r: Promise<Run>): Promise<string> {
  const x = await r;
  if (x.code !== 0) throw new Error(`exit ${x.code}: ${x.stderr}${x.stdout}`);
  return x.stdout;
}

async function getJson(path: string): Promise<any> {
  const res = await apiFetch(server, path);
  return res.status === 404 ? undefined : res.json();
}

const releaseSecrets = async (ns = "default") =>
  ((await getJson(`/api/v1/namespaces/${ns}/secrets?labelSelector=owner%3Dhelm`)).items as any[]).map((s) => s.metadata.name).sort();

beforeAll(async () => {
  // The test plays the Deployment controller itself (no agents run here), so the real one stays off.
  server = await startTestServer({ runControllers: false });
  helmHome = tempDir("skiff-helm-home-");
});
afterAll(async () => {
  await server?.cleanup();
  if (helmHome) rmSync(helmHome, { recursive: true, force: true });
});

describe("skiff chart install/upgrade/rollback/uninstall", () => {
  test("install: objects applied, release stored as helm stores it, and helm reads it", async () => {
    const out = await ok(skiff("install", "web", scaffold, "--set", "replicaCount=2"));
    expect(out).toContain("NAME: web\n");
    expect(out).toContain("STATUS: deployed\nREVISION: 1\nDESCRIPTION: Install complete\n");
    const dep = await getJson("/apis/apps/v1/namespaces/default/deployments/web-scaffold");
    expect(dep.spec.replicas).toBe(2);
    expect(dep.metadata.annotations["meta.helm.sh/release-name"]).toBe("web");
    expect(dep.metadata.managedFields.some((m: any) => m.manager === "skiff-chart" && m.operation === "Apply")).toBe(true);
    expect(await getJson("/api/v1/namespaces/default/services/web-scaffold")).toBeDefined();
    expect(await getJson("/api/v1/namespaces/default/serviceaccounts/web-scaffold")).toBeDefined();

    const secret = await getJson("/api/v1/namespaces/default/secrets/sh.helm.release.v1.web.v1");
    expect(secret.type).toBe("helm.sh/release.v1");
    expect(secret.metadata.labels).toMatchObject({ name: "web", owner: "helm", status: "deployed", version: "1" });
    const rel = releaseFromSecret(secret);
    expect(rel.config).toEqual({ replicaCount: 2 });
    expect(rel.hooks!.map((h) => h.name)).toEqual(["web-scaffold-test-connection"]);

    const helmList = await ok(helm("list"));
    expect(helmList).toBe(await ok(skiff("list")));
    expect(helmList).toMatch(/^web\s+\tdefault\s*\t1\s*\t.+\tdeployed\t+scaffold-0\.1\.0\t1\.16\.0/m);
  });

  test("upgrade and rollback: revisions, superseded records, helm history equals skiff history", async () => {
    const up = await ok(skiff("upgrade", "web", scaffold, "--set", "replicaCount=3"));
    expect(up).toStartWith('Release "web" has been upgraded. Happy Helming!\n');
    expect((await getJson("/apis/apps/v1/namespaces/default/deployments/web-scaffold")).spec.replicas).toBe(3);
    expect(await ok(skiff("rollback", "web", "1"))).toBe("Rollback was a success! Happy Helming!\n");
    expect((await getJson("/apis/apps/v1/namespaces/default/deployments/web-scaffold")).spec.replicas).toBe(2);
    const hist = await ok(skiff("history", "web"));
    expect(hist.split("\n").filter(Boolean).map((l) => l.split("\t").map((c) => c.trim())).map((c) => [c[0], c[2], c[5]])).toEqual([
      ["REVISION", "STATUS", "DESCRIPTION"],
      ["1", "superseded", "Install complete"],
      ["2", "superseded", "Upgrade complete"],
      ["3", "deployed", "Rollback to 1"],
    ]);
    expect(await ok(helm("history", "web"))).toBe(hist);
    const status = await ok(helm("status", "web"));
    expect(status).toContain("REVISION: 3\nDESCRIPTION: Rollback to 1\n");
  });

  test("upgrade dropping an object deletes it", async () => {
    await ok(skiff("upgrade", "web", scaffold, "--reuse-values", "--set", "serviceAccount.create=false"));
    expect(await getJson("/api/v1/namespaces/default/serviceaccounts/web-scaffold")).toBeUndefined();
    expect(await getJson("/apis/apps/v1/namespaces/default/deployments/web-scaffold")).toBeDefined();
  });

  test("uninstall removes the objects and every record", async () => {
    expect(await ok(skiff("uninstall", "web"))).toBe('release "web" uninstalled\n');
    expect(await getJson("/apis/apps/v1/namespaces/default/deployments/web-scaffold")).toBeUndefined();
    expect(await getJson("/api/v1/namespaces/default/services/web-scaffold")).toBeUndefined();
    expect(await releaseSecrets()).toEqual([]);
    const again = await skiff("uninstall", "web");
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("Error: uninstall: Release not loaded: web: release: not found\n");
  });

  test("a kind the server does not serve fails before anything is applied, naming it", async () => {
    const r = await skiff("install", "ing", scaffold, "--set", "httpRoute.enabled=true", "-n", "ing-ns", "--create-namespace");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no matches for kind "HTTPRoute" in version "gateway.networking.k8s.io/v1"');
    expect(r.stderr).toStartWith("Error: INSTALLATION FAILED: ");
    expect(await getJson("/api/v1/namespaces/ing-ns")).toBeUndefined();
    expect(await releaseSecrets()).toEqual([]);
  });

  test("a chart that fails to render exits 1 with helm's message; nothing is applied", async () => {
    const r = await skiff("install", "broken", badYaml);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("Error: INSTALLATION FAILED: YAML parse error on chart-with-template-with-invalid-yaml/templates/alpine-pod.yaml: error converting YAML to JSON: yaml: line 11: could not find expected ':'\n");
    expect(await releaseSecrets()).toEqual([]);
  });

  test("--wait returns once the Deployment reports itself available", async () => {
    const install = skiff("install", "waiter", scaffold, "--wait", "--timeout", "60s");
    let dep: any;
    for (let i = 0; i < 100 && !dep; i++) {
      dep = await getJson("/apis/apps/v1/namespaces/default/deployments/waiter-scaffold");
      if (!dep) await Bun.sleep(100);
    }
    expect(dep).toBeDefined();
    // No agents run here: play the Deployment controller's part.
    const res = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments/waiter-scaffold/status", {
      method: "PATCH",
      headers: { "Content-Type": "application/merge-patch+json" },
      body: JSON.stringify({ status: { observedGeneration: dep.metadata.generation, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } }),
    });
    expect(res.status).toBe(200);
    const r = await install;
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("STATUS: deployed\n");
    await ok(skiff("uninstall", "waiter"));
  });

  test("--wait gives up after --timeout and leaves the release failed", async () => {
    const r = await skiff("install", "slow", scaffold, "--wait", "--timeout", "2s");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Deployment/default/slow-scaffold not ready");
    expect((await ok(skiff("list", "--failed"))).split("\n")[1]).toStartWith("slow");
    await ok(skiff("uninstall", "slow"));
  });
});

describe("the real helm binary against skiff", () => {
  test("helm install, list, upgrade, rollback, uninstall; skiff reads helm's releases", async () => {
    const inst = await helm("install", "h1", scaffold, "--timeout", "30s");
    expect(inst.stderr).toBe("");
    expect(inst.code).toBe(0);
    expect(await ok(helm("list"))).toMatch(/^h1\s/m);
    expect(await ok(skiff("list"))).toBe(await ok(helm("list")));
    // Helm's own record, decoded by skiff.
    const rel = releaseFromSecret(await getJson("/api/v1/namespaces/default/secrets/sh.helm.release.v1.h1.v1"));
    expect(rel.info.status).toBe("deployed");
    expect(rel.chart.metadata.name).toBe("scaffold");

    await ok(helm("upgrade", "h1", scaffold, "--set", "replicaCount=3"));
    expect((await getJson("/apis/apps/v1/namespaces/default/deployments/h1-scaffold")).spec.replicas).toBe(3);
    await ok(helm("rollback", "h1"));
    expect((await getJson("/apis/apps/v1/namespaces/default/deployments/h1-scaffold")).spec.replicas).toBe(1);
    expect(await ok(skiff("history", "h1"))).toBe(await ok(helm("history", "h1")));
    // skiff upgrades what helm installed.
    await ok(skiff("upgrade", "h1", scaffold, "--set", "replicaCount=2"));
    expect(await ok(helm("history", "h1"))).toContain("Upgrade complete");
    await ok(helm("uninstall", "h1"));
    expect(await getJson("/apis/apps/v1/namespaces/default/deployments/h1-scaffold")).toBeUndefined();
    expect(await ok(skiff("list", "-a"))).not.toContain("h1");
  });
});

describe("the auto-deploy manifests folder", () => {
  test("applies files at start and on change; HelmChart documents become releases", async () => {
    const dataDir = tempDir("skiff-manifests-");
    const client = new ApiClient(server.url, server.adminToken, server.caPem);
    const folder = join(dataDir, "server", "manifests");
    mkdirSync(join(folder, "charts"), { recursive: true });
    cpSync(scaffold, join(folder, "charts", "scaffold"), { recursive: true });
    writeFileSync(join(folder, "settings.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: auto-settings\ndata:\n  mode: one\n");
    writeFileSync(join(folder, "app.yaml"), [
      "apiVersion: helm.cattle.io/v1", "kind: HelmChart", "metadata:", "  name: auto", "spec:", "  chart: charts/scaffold",
      "  targetNamespace: apps", "  valuesContent: |-", "    replicaCount: 2", "",
    ].join("\n"));
    const logs: string[] = [];
    const w = startManifestsWatcher({ dataDir, client, pollMs: 60_000, log: (m) => logs.push(m) });
    try {
      await w.sync();
      expect((await getJson("/api/v1/namespaces/default/configmaps/auto-settings")).data).toEqual({ mode: "one" });
      expect((await getJson("/apis/apps/v1/namespaces/apps/deployments/auto-scaffold")).spec.replicas).toBe(2);
      expect(await releaseSecrets("apps")).toEqual(["sh.helm.release.v1.auto.v1"]);

      // Unchanged files are not applied again, and a release is not upgraded for nothing.
      await w.sync();
      expect(await releaseSecrets("apps")).toEqual(["sh.helm.release.v1.auto.v1"]);

      writeFileSync(join(folder, "settings.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: auto-settings\ndata:\n  mode: two\n");
      writeFileSync(join(folder, "app.yaml"), [
        "apiVersion: helm.cattle.io/v1", "kind: HelmChart", "metadata:", "  name: auto", "spec:", "  chart: charts/scaffold",
        "  targetNamespace: apps", "  valuesContent: |-", "    replicaCount: 4", "",
      ].join("\n"));
      await w.sync();
      expect((await getJson("/api/v1/namespaces/default/configmaps/auto-settings")).data).toEqual({ mode: "two" });
      expect((await getJson("/apis/apps/v1/namespaces/apps/deployments/auto-scaffold")).spec.replicas).toBe(4);
      expect(await releaseSecrets("apps")).toEqual(["sh.helm.release.v1.auto.v1", "sh.helm.release.v1.auto.v2"]);
      expect(logs.filter((l) => !l.includes("applied") && !l.includes("revision"))).toEqual([]);

      writeFileSync(join(folder, "bad.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
      await w.sync();
      expect(logs.at(-1)).toContain('no matches for kind "Widget" in version "example.com/v1"');
    } finally {
      await w.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
