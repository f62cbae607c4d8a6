// CRDs and OpenAPI with the compiled binary (the generated descriptions are packed into it):
// kubectl applies a CRD and a custom resource, shows its printer columns, explains built-in and
// custom kinds, and after a restart (SIGTERM, same data dir) the kind is served again.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "../support/server.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { kubectlOk } from "../support/kubectl.ts";

let dir: string;
let port: number;
let skiff: SkiffProcess | undefined;
const chart = join(import.meta.dir, "../fixtures/crd-chart");

async function startServer() {
  skiff = spawnSkiff(skiffCommand("binary"), ["server", "--data-dir", dir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent"]);
  await skiff.waitFor(/ready at/);
}
async function stopServer() {
  skiff?.proc.kill("SIGTERM");
  await skiff?.proc.exited;
  skiff = undefined;
}

beforeAll(async () => {
  dir = tempDir("skiff-crd-binary-");
  port = freePort();
  await startServer();
});
afterAll(async () => {
  await stopServer();
  rmSync(dir, { recursive: true, force: true });
});

test("a CRD and its objects with the compiled binary, explained, and served again after a restart", async () => {
  const kc = join(dir, "kubeconfig.yaml");
  await kubectlOk(kc, ["apply", "-f", join(chart, "crds/backups.yaml")]);
  await kubectlOk(kc, ["wait", "--for=condition=Established", "crd/backups.charts.example.com", "--timeout=10s"]);
  await kubectlOk(kc, ["apply", "-f", "-"], { input: "apiVersion: charts.example.com/v1\nkind: Backup\nmetadata:\n  name: b1\nspec:\n  schedule: '@daily'\n" });
  expect(await kubectlOk(kc, ["get", "backups"])).toMatch(/^NAME\s+SCHEDULE\s+KEEP\nb1\s+@daily\s+7\n$/);
  expect(await kubectlOk(kc, ["explain", "backup.spec.schedule"])).toContain("When the backup runs, in cron syntax.");
  expect(await kubectlOk(kc, ["explain", "statefulset.spec.serviceName"])).toContain("serviceName is the name of the service that governs this StatefulSet.");

  await stopServer();
  await startServer();
  expect(await kubectlOk(kc, ["get", "backups", "-o", "name"])).toBe("backup.charts.example.com/b1\n");
  expect(await kubectlOk(kc, ["explain", "backup.spec.keep"])).toContain("FIELD: keep <integer>");
});
