// The things charts commonly carry today, in one chart installed with real Helm v4: a
// ServiceAccount with a Role and RoleBinding, a CRD in crds/ and a custom resource of it,
// an Ingress and a PodDisruptionBudget beside a Deployment and a Service. Each object is
// served afterwards, the service account holds exactly the Role's rights, and an
// uninstall removes all but the CRD (Helm leaves crds/ alone).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { startTestServer, tempDir, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { helmRunner } from "../support/helm.ts";

let server: TestServer;
const work = tempDir("skiff-ecosystem-helm-");
const chart = join(import.meta.dir, "../fixtures/charts/ecosystem");
const k = (args: string[]) => kubectlOk(server.kubeconfigPath, args);

beforeAll(async () => {
  // With the controllers: the disruption controller keeps the budget's status.
  server = await startTestServer({ runControllers: true });
});
afterAll(async () => {
  await server.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const helm = helmRunner(work, () => server.kubeconfigPath);

test("helm install of a chart with a ServiceAccount, Role, RoleBinding, CRD, custom resource, Ingress and PodDisruptionBudget", async () => {
  const out = await helm(["install", "eco", chart, "-n", "default"]);
  expect(out).toContain("STATUS: deployed");

  expect(await k(["get", "serviceaccount", "eco-operator", "-o", "name"])).toBe("serviceaccount/eco-operator\n");
  expect(await k(["get", "role", "eco-operator", "-o", "jsonpath={.rules[0].resources}"])).toBe('["backups","backups/status"]');
  expect(await k(["get", "rolebinding", "eco-operator", "-o", "jsonpath={.roleRef.name} {.subjects[0].kind}/{.subjects[0].name}"])).toBe("eco-operator ServiceAccount/eco-operator");
  expect(await k(["get", "crd", "backups.charts.example.com", "-o", 'jsonpath={.status.conditions[?(@.type=="Established")].status}'])).toBe("True");
  // The CRD's printer columns, and its default filled in.
  expect(await k(["get", "backups"])).toMatch(/^NAME\s+SCHEDULE\s+KEEP\neco-nightly\s+0 3 \* \* \*\s+7\n$/);
  expect(await k(["get", "ingress", "eco-web", "-o", "jsonpath={.spec.rules[0].host} {.spec.rules[0].http.paths[0].backend.service.name}"])).toBe("app.example.com eco-web");
  expect(await k(["get", "deployment", "eco-web", "-o", "jsonpath={.spec.replicas}"])).toBe("2");
  // The disruption controller counts the Deployment's two replicas (none is running: no node here).
  const expected = async () => k(["get", "pdb", "eco-web", "-o", "jsonpath={.status.expectedPods}/{.status.disruptionsAllowed}"]);
  const deadline = Date.now() + 20_000;
  while ((await expected()) !== "2/0" && Date.now() < deadline) await Bun.sleep(200);
  expect(await expected()).toBe("2/0");

  // The service account may do what its Role grants, and nothing more.
  const can = async (verb: string, resource: string) => {
    const r = await kubectl(server.kubeconfigPath, ["auth", "can-i", verb, resource, "-n", "default", "--as", "system:serviceaccount:default:eco-operator"]);
    return r.stdout.trim();
  };
  expect(await can("list", "backups.charts.example.com")).toBe("yes");
  expect(await can("patch", "backups.charts.example.com/status")).toBe("yes");
  expect(await can("delete", "backups.charts.example.com")).toBe("no");
  expect(await can("list", "secrets")).toBe("no");

  await helm(["uninstall", "eco", "-n", "default", "--wait", "--timeout", "60s"]);
  for (const kind of ["serviceaccount/eco-operator", "role/eco-operator", "rolebinding/eco-operator", "backup/eco-nightly", "ingress/eco-web", "pdb/eco-web", "deployment/eco-web"]) {
    const r = await kubectl(server.kubeconfigPath, ["get", kind, "-o", "name"]);
    expect(`${kind}: ${r.stderr.trim()}`).toMatch(/NotFound|not found/);
  }
  expect(await k(["get", "crd", "-o", "name"])).toContain("customresourcedefinition.apiextensions.k8s.io/backups.charts.example.com");
});
