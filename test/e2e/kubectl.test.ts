// Real kubectl against the compiled skiff binary: apply (client- and server-side), get in
// every output form, watch, describe, label, annotate, scale, delete, get all.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kubectl, kubectlOk } from "../support/kubectl.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { freePort, tempDir } from "../support/server.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(180_000);

let dir: string;
let skiff: SkiffProcess;
let kubeconfig: string;
const k = (args: string[], input?: string) => kubectlOk(kubeconfig, args, { input });

const manifest = (replicas: number, extraLabel = "") => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
stringData:
  password: hunter2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app: web${extraLabel}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: localhost/skiff-test/busybox:1
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
`;

beforeAll(async () => {
  dir = tempDir("skiff-kubectl-");
  const port = freePort();
  skiff = spawnSkiff(skiffCommand("binary"), ["server", "--data-dir", dir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent"]);
  await skiff.waitFor(/ready at/);
  kubeconfig = join(dir, "kubeconfig.yaml");
});

afterAll(async () => {
  skiff?.proc.kill("SIGTERM");
  await skiff?.proc.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe("kubectl against the compiled binary", () => {
  test("get ns works with only KUBECONFIG", async () => {
    const out = await k(["get", "ns"]);
    expect(out).toMatch(/^NAME\s+STATUS\s+AGE/);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) expect(out).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\d+s`, "m"));
  });

  test("apply -f a multi-document file creates, then is unchanged, then configured", async () => {
    const file = join(dir, "app.yaml");
    writeFileSync(file, manifest(2));
    const first = await k(["apply", "-f", file]);
    expect(first).toContain("namespace/shop created");
    expect(first).toContain("configmap/settings created");
    expect(first).toContain("secret/creds created");
    expect(first).toContain("deployment.apps/web created");
    expect(first).toContain("service/web created");
    const again = await k(["apply", "-f", file]);
    expect(again).toContain("deployment.apps/web unchanged");
    expect(again).toContain("configmap/settings unchanged");
    writeFileSync(file, manifest(3));
    const changed = await k(["apply", "-f", file]);
    expect(changed).toContain("deployment.apps/web configured");
    expect(changed).toContain("configmap/settings unchanged");
    expect((await k(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"])).trim()).toBe("3");
  });

  test("apply -f of a kind: List applies its items, validated by the server", async () => {
    const file = join(dir, "list.yaml");
    const list = (value: string, extra = "") =>
      `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: listed\n    namespace: shop\n  data:\n    a: "${value}"\n${extra}`;
    writeFileSync(file, list("1"));
    expect(await k(["apply", "-f", file])).toContain("configmap/listed created");
    expect(await k(["apply", "-f", file])).toContain("configmap/listed unchanged");
    writeFileSync(file, list("2"));
    expect(await k(["apply", "-f", file])).toContain("configmap/listed configured");
    expect((await k(["get", "cm", "listed", "-n", "shop", "-o", "jsonpath={.data.a}"])).trim()).toBe("2");
    writeFileSync(file, list("3", "  bogus: 1\n"));
    const bad = await kubectl(kubeconfig, ["apply", "-f", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown field "bogus"');
    expect((await k(["get", "cm", "listed", "-n", "shop", "-o", "jsonpath={.data.a}"])).trim()).toBe("2");
  });

  test("apply --server-side", async () => {
    const file = join(dir, "ssa.yaml");
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  a: "1"\n`);
    expect(await k(["apply", "--server-side", "-f", file])).toContain("configmap/ssa serverside-applied");
    const managers = await k(["get", "cm", "ssa", "-n", "shop", "-o", "jsonpath={.metadata.managedFields[*].manager}", "--show-managed-fields"]);
    expect(managers).toContain("kubectl");
  });

  test("get in every output form", async () => {
    const wide = await k(["get", "deploy", "-n", "shop", "-o", "wide"]);
    expect(wide).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    // No node runs pods here: the Deployment exists with none available.
    expect(wide).toMatch(/^web\s+0\/3\s+\d+\s+0\s+\d+s\s+web\s+localhost\/skiff-test\/busybox:1\s+app=web/m);
    const yaml = await k(["get", "cm", "settings", "-n", "shop", "-o", "yaml"]);
    expect(yaml).toContain("color: blue");
    expect(yaml).toContain("kind: ConfigMap");
    const json = JSON.parse(await k(["get", "secret", "creds", "-n", "shop", "-o", "json"]));
    expect(Buffer.from(json.data.password, "base64").toString()).toBe("hunter2");
    expect((await k(["get", "cm", "-n", "shop", "-o", "name"])).split("\n")).toContain("configmap/settings");
    const all = await k(["get", "cm", "-A"]);
    expect(all).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE/);
    expect(all).toMatch(/^shop\s+settings\s+1\s+/m);
    expect(await k(["get", "deploy", "-n", "shop", "--show-labels"])).toMatch(/app=web/);
    expect(await k(["get", "cm", "-A", "-l", "missing-label"])).toBe("");
    expect(await k(["get", "cm", "-A", "--field-selector", "metadata.name=settings", "-o", "name"])).toBe("configmap/settings\n");
    const svc = await k(["get", "svc", "web", "-n", "shop"]);
    expect(svc).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(svc).toMatch(/^web\s+ClusterIP\s+/m);
  });

  test("get -w prints a change as it happens", async () => {
    const { kubectlPath } = await import("../support/kubectl.ts");
    const watcher = Bun.spawn([kubectlPath(), "get", "cm", "settings", "-n", "shop", "-w", "-o", "name"], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdout: "pipe", stderr: "pipe" });
    await Bun.sleep(1500);
    await k(["label", "cm", "settings", "-n", "shop", "watched=yes"]);
    await Bun.sleep(1500);
    watcher.kill();
    const out = await new Response(watcher.stdout).text();
    expect(out).toContain("configmap/settings");
  });

  test("describe, label, annotate, scale", async () => {
    const described = await k(["describe", "deploy", "web", "-n", "shop"]);
    expect(described).toMatch(/Name:\s+web/);
    expect(described).toMatch(/Replicas:\s+3 desired/);
    expect(await k(["label", "deploy", "web", "-n", "shop", "tier=frontend"])).toContain("deployment.apps/web labeled");
    expect(await k(["annotate", "deploy", "web", "-n", "shop", "owner=ops"])).toContain("deployment.apps/web annotated");
    expect(await k(["scale", "deploy", "web", "-n", "shop", "--replicas=5"])).toContain("deployment.apps/web scaled");
    const d = JSON.parse(await k(["get", "deploy", "web", "-n", "shop", "-o", "json"]));
    expect(d.spec.replicas).toBe(5);
    expect(d.metadata.labels.tier).toBe("frontend");
    expect(d.metadata.annotations.owner).toBe("ops");
  });

  test("get all lists the workloads of a namespace", async () => {
    const out = await k(["get", "all", "-n", "shop"]);
    expect(out).toContain("service/web");
    expect(out).toContain("deployment.apps/web");
  });

  test("errors read as on Kubernetes", async () => {
    const r = await kubectl(kubeconfig, ["get", "cm", "nope", "-n", "shop"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (NotFound): configmaps "nope" not found');
    const bad = await kubectl(kubeconfig, ["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Bad_Name", namespace: "shop" } }) });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is invalid");
  });

  test("delete waits until the object is gone", async () => {
    expect(await k(["delete", "cm", "settings", "-n", "shop"])).toContain('configmap "settings" deleted');
    const r = await kubectl(kubeconfig, ["get", "cm", "settings", "-n", "shop"]);
    expect(r.code).toBe(1);
    expect(await k(["delete", "ns", "shop"])).toContain('namespace "shop" deleted');
    const gone = await kubectl(kubeconfig, ["get", "ns", "shop"]);
    expect(gone.stderr).toContain("NotFound");
  });
});
