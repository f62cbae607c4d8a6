// RBAC with the compiled binary: `skiff kubeconfig create` from the binary makes a user that
// real kubectl uses; after a restart of the server the user's credential and bindings still
// hold, a default role deleted by hand is back, and one an admin opted out of updates
// (autoupdate "false") is left as the admin left it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "../support/server.ts";
import { compiledBinary, skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";

let dir: string;
let port: number;
let skiff: SkiffProcess;
let admin: string;

async function startServer() {
  skiff = spawnSkiff(skiffCommand("binary"), ["server", "--data-dir", dir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent"]);
  await skiff.waitFor(/ready at/);
}
async function stopServer() {
  skiff.proc.kill("SIGTERM");
  await skiff.proc.exited;
}

async function skiffCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([compiledBinary, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

beforeAll(async () => {
  dir = tempDir("skiff-rbac-binary-");
  port = freePort();
  await startServer();
  admin = join(dir, "kubeconfig.yaml");
});
afterAll(async () => {
  if (skiff) await stopServer();
  rmSync(dir, { recursive: true, force: true });
});

describe("users and roles with the compiled binary", () => {
  test("skiff kubeconfig create, kubectl as the user, and everything still so after a restart", async () => {
    await kubectlOk(admin, ["create", "namespace", "team"]);
    const help = await skiffCli(["--help"]);
    expect(help.out).toMatch(/\n {2}kubeconfig create a kubeconfig for a user bound by RBAC/);
    const file = join(dir, "fay.kubeconfig");
    const made = await skiffCli(["kubeconfig", "create", "fay", "--role", "edit", "--namespace", "team", "--data-dir", dir, "--output", file]);
    expect(made).toEqual({ code: 0, out: "", err: `kubeconfig for user "fay" (edit in namespace team) written to ${file}\n` });
    expect(await kubectlOk(file, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"])).toBe("fay");
    expect((await kubectl(file, ["create", "configmap", "one", "--from-literal=a=b"])).code).toBe(0);
    const denied = await kubectl(file, ["get", "secrets", "-n", "default"]);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): secrets is forbidden: User "fay" cannot list resource "secrets" in API group "" in the namespace "default"`);

    // An admin removes a default role and opts another out of updates, then the server restarts.
    await kubectlOk(admin, ["delete", "clusterrole", "system:basic-user"]);
    await kubectlOk(admin, ["annotate", "clusterrole", "system:public-info-viewer", "rbac.authorization.kubernetes.io/autoupdate=false", "--overwrite"]);
    await kubectlOk(admin, ["patch", "clusterrole", "system:public-info-viewer", "--type=json", `-p=[{"op":"replace","path":"/rules","value":[{"nonResourceURLs":["/version"],"verbs":["get"]}]}]`]);
    await stopServer();
    await startServer();

    expect((await kubectl(file, ["get", "configmap", "one", "-o", "jsonpath={.data.a}"])).stdout).toBe("b");
    expect((await kubectl(file, ["auth", "can-i", "create", "deployments.apps"])).stdout.trim()).toBe("yes");
    const basic = JSON.parse(await kubectlOk(admin, ["get", "clusterrole", "system:basic-user", "-o", "json"]));
    expect(basic.rules.flatMap((r: { resources: string[] }) => r.resources).sort()).toEqual(["selfsubjectaccessreviews", "selfsubjectreviews", "selfsubjectrulesreviews"]);
    const viewer = JSON.parse(await kubectlOk(admin, ["get", "clusterrole", "system:public-info-viewer", "-o", "json"]));
    expect(viewer.rules).toEqual([{ nonResourceURLs: ["/version"], verbs: ["get"] }]);
  });
});
