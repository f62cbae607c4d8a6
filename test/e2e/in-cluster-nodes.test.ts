// The `kubernetes` Service from a pod on a node that is not the server's: two test hosts
// (network namespaces joined by a segment of their own), `skiff server` on host A and
// `skiff agent` on host B. The agent on B gets the pod's token through NodeRestriction
// (its own credential, a token bound to its own pod) and the pod's kubectl reaches the API
// at the ClusterIP, which B's service rules send across the segment to A.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHosts, type TestHost, type TestHosts } from "../support/hosts.ts";
import { stopHostNodes, type HostNode } from "../support/host-nodes.ts";
import { eventually } from "../support/cluster.ts";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { IN_CLUSTER_IMAGE, inClusterRootfsTar } from "../support/in-cluster-image.ts";

setDefaultTimeout(180_000);

const API_PORT = 6443;
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
type Node = HostNode;
let hosts: TestHosts;
let nodes: Node[] = [];
let kubeconfig = "";
const k = (args: string[], input?: string) => kubectlOk(kubeconfig, args, { input, prefix: nodes[0]!.host.nsenter, timeoutMs: 90_000 });
const kr = (args: string[]) => kubectl(kubeconfig, args, { prefix: nodes[0]!.host.nsenter, timeoutMs: 90_000 });
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));

beforeAll(async () => {
  const image = await inClusterRootfsTar();
  hosts = await createHosts("icn", 2);
  const [a, b] = hosts.hosts as [TestHost, TestHost];
  nodes = [
    { name: "icn-a", host: a, dir: tempDir("skiff-icn-a-") },
    { name: "icn-b", host: b, dir: tempDir("skiff-icn-b-") },
  ];
  const [na, nb] = nodes as [Node, Node];
  const load = spawnSkiff([...b.nsenter, ...skiffCommand("source")], ["images", "import", "--data-dir", nb.dir, "--name", IN_CLUSTER_IMAGE, image]);
  if ((await load.proc.exited) !== 0) throw new Error(`skiff images import failed: ${load.output()}`);
  na.proc = spawnSkiff([...a.nsenter, ...skiffCommand("source")], ["server", "--data-dir", na.dir, "--https-listen-port", String(API_PORT), "--node-name", na.name, "--node-ip", a.ip]);
  await na.proc.waitFor(/ready at/, 90_000);
  kubeconfig = join(na.dir, "kubeconfig.yaml");
  const token = readFileSync(join(na.dir, "server", "token"), "utf8").trim();
  nb.proc = spawnSkiff([...b.nsenter, ...skiffCommand("source")], ["agent", "--server", `https://${a.ip}:${API_PORT}`, "--token", token, "--data-dir", nb.dir, "--node-name", nb.name, "--node-ip", b.ip]);
  await nb.proc.waitFor(/skiff agent ready/, 90_000);
  await eventually("two Ready nodes", async () => ((await k(["get", "nodes"])).match(/\sReady\s/g)?.length === 2 ? true : undefined), 90_000);
}, 300_000);

afterAll(() => stopHostNodes(nodes, hosts), 120_000);

describe("a pod on an agent node", () => {
  test("gets a token bound to it and reaches the API at the kubernetes ClusterIP as its service account", async () => {
    await eventually("the default ServiceAccount", async () => ((await kr(["get", "serviceaccount", "default"])).code === 0 ? true : undefined), 30_000);
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "remote" }, spec: { nodeName: "icn-b", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: IN_CLUSTER_IMAGE, command: ["sleep", "3600"], env: [{ name: "HOME", value: "/tmp" }] }] } };
    await k(["apply", "-f", "-"], JSON.stringify(pod));
    await k(["wait", "--for=condition=Ready", "pod/remote", "--timeout=120s"]);
    const p = JSON.parse(await k(["get", "pod", "remote", "-o", "json"]));
    const claims = claimsOf(await k(["exec", "remote", "--", "cat", `${SA_DIR}/token`]));
    expect(claims["kubernetes.io"].pod).toEqual({ name: "remote", uid: p.metadata.uid });
    const version = JSON.parse(await k(["exec", "remote", "--", "kubectl", "version", "-o", "json"]));
    expect(version.serverVersion.gitVersion).toMatch(/^v1\./);
    const denied = await kr(["exec", "remote", "--", "kubectl", "get", "pods"]);
    expect(denied.stderr).toContain(`pods is forbidden: User "system:serviceaccount:default:default" cannot list resource "pods" in API group "" in the namespace "default"`);
  });
});
