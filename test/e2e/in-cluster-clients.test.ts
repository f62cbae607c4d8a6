// Real in-cluster clients in real pods: `skiff server` (its embedded agent runs the pods)
// in a network namespace of the test's own, with a node address pods reach. A pod running
// the real kubectl and one running @kubernetes/client-node's loadFromCluster() find the API
// at kubernetes.default (KUBERNETES_SERVICE_HOST, the ClusterIP, port 443), verify it with the
// mounted ca.crt and authenticate with the mounted, pod-bound token: the server knows them
// as system:serviceaccount:apps:default: 403 until a Role and RoleBinding allow the reads,
// then kubectl lists the namespace's pods and the client watches its ConfigMaps change.
// automountServiceAccountToken: false mounts nothing; `kubectl create token` tokens are
// accepted, tampered and expired ones are 401.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { IN_CLUSTER_IMAGE, inClusterRootfsTar } from "../support/in-cluster-image.ts";
import { claimsFor, ServiceAccountTokenSigner } from "../../src/server/auth/service-account-tokens.ts";

setDefaultTimeout(300_000);

/** The node's address, on the namespace's loopback device: pods reach it through the bridge. */
const NODE_IP = "10.99.0.1";
const NS = "apps";
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
let c: TestCluster;

const pod = (name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: IN_CLUSTER_IMAGE, env: [{ name: "HOME", value: "/tmp" }], ...container }], ...spec },
  });
const inPod = (name: string, cmd: string[]) => c.kr(["exec", "-n", NS, name, "--", ...cmd]);
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));
/** A Role in apps allowing `verbs` on `resources`, bound to the namespace's default account. */
const grant = (name: string, resources: string[], verbs: string[]) =>
  [
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name, namespace: NS }, rules: [{ apiGroups: [""], resources, verbs }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name, namespace: NS }, subjects: [{ kind: "ServiceAccount", name: "default", namespace: NS }], roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name } },
  ]
    .map((o) => JSON.stringify(o))
    .join("\n");

async function running(name: string) {
  await eventually(`${name} running`, async () => {
    const p = JSON.parse(await c.k(["get", "pod", "-n", NS, name, "-o", "json"]));
    return p.status?.phase === "Running" ? p : undefined;
  }, 180_000, 1000);
}

beforeAll(async () => {
  const image = await inClusterRootfsTar();
  c = await startCluster("incl", {
    serverArgs: ["--bind-address", "0.0.0.0", "--node-ip", NODE_IP],
    setupNetns: async (n) => void (await execa("ip", ["-n", n.name, "addr", "add", `${NODE_IP}/32`, "dev", "lo"])),
  });
  const load = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], ["images", "import", "--data-dir", c.serverDir, "--name", IN_CLUSTER_IMAGE, image]);
  if ((await load.proc.exited) !== 0) throw new Error(`skiff images import failed: ${load.output()}`);
  await c.k(["create", "namespace", NS]);
  await eventually("the default ServiceAccount of apps", async () => ((await c.kr(["get", "serviceaccount", "default", "-n", NS])).code === 0 ? true : undefined), 30_000);
  await c.k(["apply", "-f", "-"], pod("kubectl", { command: ["sleep", "3600"] }));
  await c.k(["apply", "-f", "-"], pod("watcher", { command: ["bun", "/app/watch.js"], env: [{ name: "NODE_EXTRA_CA_CERTS", value: `${SA_DIR}/ca.crt` }] }));
  await c.k(["apply", "-f", "-"], pod("no-token", { command: ["sleep", "3600"] }, { automountServiceAccountToken: false }));
});
afterAll(() => c?.stop());

describe("a pod's service account files and variables", () => {
  test("token (bound to the pod), ca.crt (the cluster CA) and namespace are mounted read-only; KUBERNETES_SERVICE_* point at the ClusterIP", async () => {
    await running("kubectl");
    const p = JSON.parse(await c.k(["get", "pod", "-n", NS, "kubectl", "-o", "json"]));
    const token = (await inPod("kubectl", ["cat", `${SA_DIR}/token`])).stdout;
    const claims = claimsOf(token);
    expect(claims.sub).toBe(`system:serviceaccount:${NS}:default`);
    expect(claims["kubernetes.io"].pod).toEqual({ name: "kubectl", uid: p.metadata.uid });
    expect(claims.exp - claims.iat).toBe(3607);
    expect((await inPod("kubectl", ["cat", `${SA_DIR}/ca.crt`])).stdout).toBe(readFileSync(join(c.serverDir, "server", "tls", "ca.crt"), "utf8"));
    expect((await inPod("kubectl", ["cat", `${SA_DIR}/namespace`])).stdout).toBe(NS);
    const write = await inPod("kubectl", ["sh", "-c", `echo x > ${SA_DIR}/token`]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain("Read-only file system");
    const env = (await inPod("kubectl", ["env"])).stdout.split("\n");
    for (const line of ["KUBERNETES_SERVICE_HOST=10.43.0.1", "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_SERVICE_PORT_HTTPS=443", "KUBERNETES_PORT=tcp://10.43.0.1:443", "KUBERNETES_PORT_443_TCP_ADDR=10.43.0.1"]) expect(env).toContain(line);
  });

  test("automountServiceAccountToken: false: no volume, nothing mounted", async () => {
    await running("no-token");
    const p = JSON.parse(await c.k(["get", "pod", "-n", NS, "no-token", "-o", "json"]));
    expect(p.spec.volumes ?? []).toEqual([]);
    const ls = await inPod("no-token", ["ls", SA_DIR]);
    expect(ls.code).not.toBe(0);
    expect(ls.stderr).toContain("No such file or directory");
    // The Service variables come all the same.
    expect((await inPod("no-token", ["env"])).stdout).toContain("KUBERNETES_SERVICE_HOST=10.43.0.1");
  });
});

describe("kubectl in a pod", () => {
  test("reaches the API at the ClusterIP with the mounted token and CA, as its service account: listing pods is 403 without a RoleBinding", async () => {
    await running("kubectl");
    const r = await inPod("kubectl", ["kubectl", "get", "pods", "-n", NS, "-o", "name"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:${NS}:default" cannot list resource "pods" in API group "" in the namespace "${NS}"`);
    // Discovery needs no permission: the connection, the certificate (valid for the ClusterIP) and the token all hold.
    const version = await inPod("kubectl", ["kubectl", "version", "-o", "json"]);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\./);
    // Through the service's DNS names too (cluster DNS, then TLS to the same certificate, which names them).
    for (const host of ["kubernetes.default.svc", "kubernetes.default.svc.cluster.local"]) {
      const byName = await inPod("kubectl", ["sh", "-c", `KUBERNETES_SERVICE_HOST=${host} kubectl version -o json`]);
      expect(byName.stderr).toBe("");
      expect(JSON.parse(byName.stdout).serverVersion.gitVersion).toMatch(/^v1\./);
    }
  });
});

describe("kubectl in a pod, with a Role and RoleBinding", () => {
  test("lists the pods of its namespace, and still not those of another", async () => {
    await c.k(["apply", "-f", "-"], grant("pod-reader", ["pods"], ["get", "list", "watch"]));
    const listed = await eventually("the pods listed from inside", async () => {
      const r = await inPod("kubectl", ["kubectl", "get", "pods", "-n", NS, "-o", "name"]);
      return r.code === 0 ? r.stdout : undefined;
    }, 30_000, 500);
    expect(listed.split("\n")).toContain("pod/kubectl");
    const other = await inPod("kubectl", ["kubectl", "get", "pods", "-n", "default"]);
    expect(other.stderr).toContain(`pods is forbidden: User "system:serviceaccount:${NS}:default" cannot list resource "pods" in API group "" in the namespace "default"`);
    expect((await inPod("kubectl", ["kubectl", "auth", "can-i", "list", "pods", "-n", NS])).stdout.trim()).toBe("yes");
    expect((await inPod("kubectl", ["kubectl", "auth", "can-i", "delete", "pods", "-n", NS])).stdout.trim()).toBe("no");
    // kubectl auth whoami: the account, its groups, and the pod its token is bound to.
    const p = JSON.parse(await c.k(["get", "pod", "-n", NS, "kubectl", "-o", "json"]));
    const who = JSON.parse((await inPod("kubectl", ["kubectl", "auth", "whoami", "-o", "json"])).stdout).status.userInfo;
    expect(who.username).toBe(`system:serviceaccount:${NS}:default`);
    expect(who.groups).toEqual(["system:serviceaccounts", `system:serviceaccounts:${NS}`, "system:authenticated"]);
    expect(who.extra["authentication.kubernetes.io/pod-name"]).toEqual(["kubectl"]);
    expect(who.extra["authentication.kubernetes.io/pod-uid"]).toEqual([p.metadata.uid]);
  });
});

describe("@kubernetes/client-node in a pod", () => {
  test("loadFromCluster() finds the server, authenticates as the service account and is refused the ConfigMaps (403)", async () => {
    const logs = await eventually("the watcher's output", async () => {
      const r = await c.kr(["logs", "-n", NS, "watcher"]);
      return r.code === 0 && r.stdout.includes("list failed") ? r.stdout : undefined;
    }, 180_000, 1000);
    expect(logs).toContain(`server https://10.43.0.1:443 namespace ${NS}`);
    expect(logs).toContain(`list failed 403: configmaps is forbidden: User "system:serviceaccount:${NS}:default" cannot list resource "configmaps" in API group "" in the namespace "${NS}"`);
  });

  test("with a Role allowing it, lists and watches the namespace's ConfigMaps as they are made and deleted", async () => {
    await c.k(["apply", "-f", "-"], grant("configmap-watcher", ["configmaps"], ["get", "list", "watch"]));
    await c.k(["apply", "-f", "-"], pod("watcher-allowed", { command: ["bun", "/app/watch.js"], env: [{ name: "NODE_EXTRA_CA_CERTS", value: `${SA_DIR}/ca.crt` }] }));
    const logsOf = async () => (await c.kr(["logs", "-n", NS, "watcher-allowed"])).stdout;
    const until = (what: string, line: string) => eventually(what, async () => ((await logsOf()).includes(line) ? true : undefined), 180_000, 500);
    await until("the first list", "list kube-root-ca.crt");
    await until("the initial events", "event ADDED kube-root-ca.crt");
    await c.k(["create", "configmap", "hello", "-n", NS, "--from-literal=greeting=hi"]);
    await until("ADDED hello", "event ADDED hello");
    await c.k(["label", "configmap", "hello", "-n", NS, "seen=yes"]);
    await until("MODIFIED hello", "event MODIFIED hello");
    await c.k(["delete", "configmap", "hello", "-n", NS]);
    await until("DELETED hello", "event DELETED hello");
    expect(await logsOf()).not.toContain("watch ended");
  });
});

describe("tokens from outside", () => {
  test("kubectl create token gives a token the server accepts; tampered and expired ones get 401", async () => {
    const token = (await c.k(["create", "token", "default", "-n", NS])).trim();
    // The Role above lets the account list pods in apps; in default it is still refused, by name.
    const as = (t: string, ns = NS) => c.kr(["--token", t, "get", "pods", "-n", ns]);
    const ok = await as(token);
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toContain("kubectl");
    expect((await as(token, "default")).stderr).toContain(`User "system:serviceaccount:${NS}:default" cannot list resource "pods"`);
    const [h, , s] = token.split(".");
    const claims = claimsOf(token);
    claims["kubernetes.io"].namespace = "kube-system";
    claims.sub = "system:serviceaccount:kube-system:default";
    const tampered = await as(`${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`);
    expect(tampered.code).not.toBe(0);
    expect(tampered.stderr).toContain("Unauthorized");
    // Signed by this server's own key, but expired an hour ago.
    const sa = JSON.parse(await c.k(["get", "serviceaccount", "default", "-n", NS, "-o", "json"]));
    const signer = await ServiceAccountTokenSigner.open(join(c.serverDir, "server"));
    const expired = await signer.sign(claimsFor({ namespace: NS, serviceAccount: { name: "default", uid: sa.metadata.uid }, expirationSeconds: 600, now: Math.floor(Date.now() / 1000) - 3600 }));
    const old = await as(expired);
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain("Unauthorized");
  });
});

describe("across a restart of the server and its agent (kill -9)", () => {
  test("the signing key stays, so tokens stay valid; the running container's token file is rewritten with a new token, no container restarts", async () => {
    const read = async () => (await inPod("kubectl", ["cat", `${SA_DIR}/token`])).stdout;
    const restarts = async () => JSON.parse(await c.k(["get", "pod", "-n", NS, "kubectl", "-o", "json"])).status.containerStatuses.map((s: { restartCount: number; state: { running?: { startedAt: string } } }) => `${s.restartCount}:${s.state.running?.startedAt}`).join(",");
    const before = await read();
    const started = await restarts();
    const outside = (await c.k(["create", "token", "default", "-n", NS])).trim();
    c.server.proc.kill("SIGKILL");
    await c.server.proc.exited;
    await c.startServer();
    const after = await eventually("a new token in the running container", async () => {
      const t = await read();
      return t && t !== before ? t : undefined;
    }, 120_000, 1000);
    const [was, now] = [claimsOf(before), claimsOf(after)];
    expect(now["kubernetes.io"].pod).toEqual(was["kubernetes.io"].pod);
    expect(now.iat).toBeGreaterThanOrEqual(was.iat);
    expect(now.jti).not.toBe(was.jti);
    expect(await restarts()).toBe(started);
    // Tokens issued before the restart are still good (same key under DIR/server/cred), as is the new one.
    for (const t of [outside, before, after]) expect((await c.kr(["--token", t, "get", "pods", "-n", "default"])).stderr).toContain(`User "system:serviceaccount:${NS}:default" cannot list resource "pods"`);
    const r = await inPod("kubectl", ["kubectl", "get", "pods", "-n", NS, "-o", "name"]);
    expect(r.stdout).toContain("pod/kubectl");
  });
});
