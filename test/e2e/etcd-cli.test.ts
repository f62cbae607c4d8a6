// `skiff server --datastore-endpoint` on a real etcd with the compiled binary: a dead member
// first in the list is passed over, kubectl writes land under --etcd-prefix in etcd, and
// after SIGKILL the server restarted on the same etcd serves them again.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "../support/server.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { kubectlOk } from "../support/kubectl.ts";
import { startEtcd, type EtcdCluster } from "../support/etcd.ts";
import { b64, EtcdClient, prefixEnd, unb64 } from "../../src/store/etcd/client.ts";

let dir: string;
let port: number;
let etcd: EtcdCluster;
let skiff: SkiffProcess | undefined;
const prefix = "/skiff-e2e/";

async function startServer() {
  const endpoints = `http://127.0.0.1:${freePort()},${etcd.endpoints[0]}`;
  skiff = spawnSkiff(skiffCommand("binary"), ["server", "--data-dir", dir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent", "--datastore-endpoint", endpoints, "--etcd-prefix", prefix]);
  await skiff.waitFor(/ready at/, 60_000);
}

beforeAll(async () => {
  etcd = await startEtcd(1);
  dir = tempDir("skiff-etcd-cli-");
  port = freePort();
  await startServer();
});
afterAll(async () => {
  skiff?.proc.kill("SIGKILL");
  await skiff?.proc.exited;
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("kubectl writes go to etcd under the prefix and are served again after SIGKILL and restart", async () => {
  const kc = join(dir, "kubeconfig.yaml");
  await kubectlOk(kc, ["create", "configmap", "from-kubectl", "--from-literal=k=v"]);
  await kubectlOk(kc, ["create", "secret", "generic", "sealed", "--from-literal=password=hunter2"]);
  const client = new EtcdClient({ endpoints: etcd.endpoints });
  const keys = ((await client.range(b64(prefix), prefixEnd(prefix), { keys_only: true })).kvs ?? []).map((kv) => unb64(kv.key));
  expect(keys).toContain(`${prefix}configmaps/default/from-kubectl`);
  expect(keys).toContain(`${prefix}namespaces//default`);
  // Secrets are still encrypted at rest.
  const secret = unb64((await client.range(b64(`${prefix}secrets/default/sealed`), undefined)).kvs![0]!.value);
  expect(secret).not.toContain(Buffer.from("hunter2").toString("base64"));
  expect(secret).not.toContain("hunter2");

  skiff!.proc.kill("SIGKILL");
  await skiff!.proc.exited;
  await startServer();
  expect(await kubectlOk(kc, ["get", "configmap", "from-kubectl", "-o", "jsonpath={.data.k}"])).toBe("v");
  expect(await kubectlOk(kc, ["get", "secret", "sealed", "-o", "jsonpath={.data.password}"])).toBe(Buffer.from("hunter2").toString("base64"));
  const readyz = await kubectlOk(kc, ["get", "--raw", "/readyz?verbose"]);
  expect(readyz).toContain("[+]store ok");
}, 120_000);
