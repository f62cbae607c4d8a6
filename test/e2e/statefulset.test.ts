// StatefulSets end to end with real kubectl, real podman and real helm, on a one-node cluster
// in a network namespace of the test's own: three replicas each write their name to their
// own claim (local-path provisioning); a deleted pod comes back with its name, claim and data;
// scaling to 1 and back to 3 keeps claims and data; NAME-1.SERVICE resolves from another pod
// through the cluster DNS; a chart with persistence installs with `helm install --wait=legacy`
// (helm's default watcher needs watch-list streams, sendInitialEvents, which skiff does not serve).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { layerBinary } from "../support/kubectl.ts";
import { tempDir } from "../support/server.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(300_000);

let c: TestCluster;
let helmHome = "";

beforeAll(async () => {
  c = await startCluster("sts");
  await eventually("a Ready node", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/) ? true : undefined), 120_000);
  helmHome = tempDir("skiff-sts-helm-");
}, 300_000);
afterAll(async () => {
  await c?.stop();
  if (helmHome) rmSync(helmHome, { recursive: true, force: true });
}, 120_000);

// Writes the pod's name once, counts its starts, and is ready once both are on the volume.
const WRITER = "[ -f /data/name ] || hostname > /data/name; echo start >> /data/starts; sync; touch /tmp/up; exec sleep 3600";
const statefulSet = (replicas: number) =>
  JSON.stringify({ apiVersion: "v1", kind: "List", items: [
    { apiVersion: "v1", kind: "Service", metadata: { name: "store" }, spec: { clusterIP: "None", selector: { app: "store" }, ports: [{ name: "tcp", port: 9000 }] } },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "store" },
      spec: {
        serviceName: "store",
        replicas,
        selector: { matchLabels: { app: "store" } },
        template: {
          metadata: { labels: { app: "store" } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sh", "-c", WRITER], volumeMounts: [{ name: "data", mountPath: "/data" }], readinessProbe: { exec: { command: ["cat", "/tmp/up"] }, periodSeconds: 1 } }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "16Mi" } } } }],
      },
    },
  ] });

const sh = (pod: string, script: string) => c.k(["exec", pod, "--", "sh", "-c", script]);
const podNames = async (selector: string) => (await c.k(["get", "pods", "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"])).split(" ").filter(Boolean).sort();
const claims = async () => JSON.parse(await c.k(["get", "pvc", "-l", "app=store", "-o", "json"])).items.map((p: any) => `${p.metadata.name}:${p.status?.phase}`).sort();
const rolledOut = async () => expect(await c.k(["rollout", "status", "sts/store", "--timeout=180s"])).toContain("roll out complete");

describe("statefulsets", () => {
  test("each replica writes its name to its own claim; a deleted pod comes back with name, claim and data", async () => {
    await c.k(["apply", "-f", "-"], statefulSet(3));
    await rolledOut();
    expect(await podNames("app=store")).toEqual(["store-0", "store-1", "store-2"]);
    for (const n of [0, 1, 2]) expect((await sh(`store-${n}`, "cat /data/name")).trim()).toBe(`store-${n}`);
    expect(await claims()).toEqual(["data-store-0:Bound", "data-store-1:Bound", "data-store-2:Bound"]);
    expect(await c.k(["get", "sts", "store"])).toMatch(/store\s+3\/3\s+/);

    const before = JSON.parse(await c.k(["get", "pod", "store-1", "-o", "json"]));
    await c.k(["delete", "pod", "store-1", "--wait=true", "--timeout=60s"]);
    await eventually("store-1 back and ready", async () => {
      const p = JSON.parse(await c.k(["get", "pod", "store-1", "-o", "json"]));
      return p.metadata.uid !== before.metadata.uid && p.status?.conditions?.some((x: any) => x.type === "Ready" && x.status === "True") ? p : undefined;
    }, 120_000);
    const after = JSON.parse(await c.k(["get", "pod", "store-1", "-o", "json"]));
    expect(after.spec.volumes[0].persistentVolumeClaim.claimName).toBe("data-store-1");
    expect((await sh("store-1", "cat /data/name; wc -l < /data/starts")).split(/\s+/).filter(Boolean)).toEqual(["store-1", "2"]);
  });

  test("scale to 1 and back to 3 keeps claims and data", async () => {
    await c.k(["scale", "sts/store", "--replicas=1"]);
    await eventually("one replica left", async () => ((await podNames("app=store")).join() === "store-0" ? true : undefined), 120_000);
    expect(await claims()).toEqual(["data-store-0:Bound", "data-store-1:Bound", "data-store-2:Bound"]);
    await c.k(["scale", "sts/store", "--replicas=3"]);
    await rolledOut();
    expect((await sh("store-2", "cat /data/name; wc -l < /data/starts")).split(/\s+/).filter(Boolean)).toEqual(["store-2", "2"]);
    expect((await sh("store-1", "cat /data/name; wc -l < /data/starts")).split(/\s+/).filter(Boolean)).toEqual(["store-1", "3"]);
  });

  test("NAME-1.SERVICE resolves from another pod through the cluster DNS", async () => {
    await c.k(["run", "dns-client", `--image=${TEST_IMAGE_1}`, "--restart=Never", "--command", "--", "sleep", "3600"]);
    await c.k(["wait", "--for=condition=Ready", "pod/dns-client", "--timeout=120s"]);
    const ip = await c.k(["get", "pod", "store-1", "-o", "jsonpath={.status.podIP}"]);
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // busybox resolves a fully qualified name without glibc's search-path code (see ENVIRONMENT.md).
    const out = await eventually("store-1.store answered", async () => {
      const r = await c.kr(["exec", "dns-client", "--", "nslookup", "store-1.store.default.svc.cluster.local"]);
      return r.code === 0 && r.stdout.includes(ip) ? r.stdout : undefined;
    }, 60_000, 1000);
    expect(out).toMatch(new RegExp(`Name:\\s+store-1\\.store\\.default\\.svc\\.cluster\\.local\\s+Address:\\s+${ip.replaceAll(".", "\\.")}`));
    expect((await sh("store-1", "hostname")).trim()).toBe("store-1");
  });

  test("a chart with persistence (a StatefulSet with volumeClaimTemplates, a default-class claim) installs with helm install --wait=legacy", async () => {
    const chart = join(helmHome, "keeper");
    mkdirSync(join(chart, "templates"), { recursive: true });
    writeFileSync(join(chart, "Chart.yaml"), "apiVersion: v2\nname: keeper\nversion: 0.1.0\nappVersion: \"1.0\"\n");
    writeFileSync(join(chart, "values.yaml"), `image: ${TEST_IMAGE_1}\nreplicaCount: 2\npersistence:\n  enabled: true\n  size: 8Mi\n  storageClass: ""\n`);
    writeFileSync(join(chart, "templates", "statefulset.yaml"), `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-db-headless
spec:
  clusterIP: None
  selector: {app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/component: db}
  ports: [{name: db, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-db
spec:
  serviceName: {{ .Release.Name }}-db-headless
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/component: db}
  template:
    metadata:
      labels: {app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/component: db}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: {{ .Values.image }}
        command: [sh, -c, "hostname > /var/lib/db/owner && touch /tmp/up && exec sleep 3600"]
        readinessProbe: {exec: {command: [cat, /tmp/up]}, periodSeconds: 1}
        volumeMounts: [{name: data, mountPath: /var/lib/db}]
{{- if .Values.persistence.enabled }}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      {{- if .Values.persistence.storageClass }}
      storageClassName: {{ .Values.persistence.storageClass }}
      {{- end }}
      resources: {requests: {storage: {{ .Values.persistence.size }}}}
{{- end }}
`);
    writeFileSync(join(chart, "templates", "uploads.yaml"), `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ .Release.Name }}-uploads
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: {{ .Values.persistence.size }}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/component: web}}
  template:
    metadata:
      labels: {app.kubernetes.io/instance: {{ .Release.Name }}, app.kubernetes.io/component: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: {{ .Values.image }}
        command: [sh, -c, "echo uploaded > /uploads/file && touch /tmp/up && exec sleep 3600"]
        readinessProbe: {exec: {command: [cat, /tmp/up]}, periodSeconds: 1}
        volumeMounts: [{name: uploads, mountPath: /uploads}]
      volumes:
      - name: uploads
        persistentVolumeClaim: {claimName: {{ .Release.Name }}-uploads}
`);
    const env = { ...process.env, KUBECONFIG: c.kubeconfig, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, "cache"), HELM_CONFIG_HOME: join(helmHome, "config"), HELM_DATA_HOME: join(helmHome, "data") };
    const p = Bun.spawn([...c.netns.prefix, layerBinary("helm/helm"), "install", "kp", chart, "--wait=legacy", "--timeout", "4m"], { env, stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => p.kill(), 280_000);
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    clearTimeout(timer);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("STATUS: deployed");
    const pvcs = JSON.parse(await c.k(["get", "pvc", "-o", "json"])).items.filter((x: any) => x.metadata.name.includes("kp-")).map((x: any) => `${x.metadata.name}:${x.status?.phase}:${x.spec.storageClassName}`).sort();
    expect(pvcs).toEqual(["data-kp-db-0:Bound:local-path", "data-kp-db-1:Bound:local-path", "kp-uploads:Bound:local-path"]);
    expect((await sh("kp-db-1", "cat /var/lib/db/owner")).trim()).toBe("kp-db-1");
    const web = (await podNames("app.kubernetes.io/component=web"))[0]!;
    expect((await sh(web, "cat /uploads/file")).trim()).toBe("uploaded");
  });
});
