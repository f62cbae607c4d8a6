// downwardAPI and projected volumes on a real node (podman, in the test's own network
// namespace): the files a container reads with `cat`, their refresh when labels change,
// and a clear CreateContainerConfigError for what the node cannot fill.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";

setDefaultTimeout(300_000);

let c: TestCluster;

beforeAll(async () => {
  c = await startCluster("vol");
  await eventually("a Ready node", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/) ? true : undefined));
}, 300_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

const objects = {
  apiVersion: "v1",
  kind: "List",
  items: [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { color: "blue", size: "L" } },
    { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, stringData: { password: "hunter2" } },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "files", labels: { app: "files", tier: "a" }, annotations: { note: 'say "hi"' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: "app",
            image: TEST_IMAGE_1,
            command: ["sleep", "3600"],
            resources: { limits: { cpu: "250m", memory: "64Mi" }, requests: { cpu: "100m" } },
            volumeMounts: [
              { name: "podinfo", mountPath: "/podinfo" },
              { name: "all", mountPath: "/all" },
            ],
          },
        ],
        volumes: [
          {
            name: "podinfo",
            downwardAPI: {
              items: [
                { path: "name", fieldRef: { fieldPath: "metadata.name" } },
                { path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } },
                { path: "uid", fieldRef: { fieldPath: "metadata.uid" } },
                { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
                { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
                { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
                { path: "limits/memory-mi", resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" } },
                { path: "limits/cpu-m", resourceFieldRef: { containerName: "app", resource: "limits.cpu", divisor: "1m" } },
                { path: "requests/cpu", resourceFieldRef: { containerName: "app", resource: "requests.cpu" } },
              ],
            },
          },
          {
            name: "all",
            projected: {
              sources: [
                { configMap: { name: "settings", items: [{ key: "color", path: "config/color" }] } },
                { secret: { name: "creds" } },
                { downwardAPI: { items: [{ path: "pod-name", fieldRef: { fieldPath: "metadata.name" } }] } },
              ],
            },
          },
        ],
      },
    },
  ],
};

const cat = (pod: string, path: string) => c.k(["exec", pod, "--", "cat", path]);

test("a downwardAPI volume holds the pod's fields and its container's resources", async () => {
  // create, not apply: apply would add its last-applied annotation to the annotations file.
  await c.k(["create", "-f", "-"], JSON.stringify(objects));
  await c.k(["wait", "--for=condition=Ready", "pod/files", "--timeout=120s"]);
  const uid = (await c.k(["get", "pod", "files", "-o", "jsonpath={.metadata.uid}"])).trim();
  expect(await cat("files", "/podinfo/name")).toBe("files");
  expect(await cat("files", "/podinfo/namespace")).toBe("default");
  expect(await cat("files", "/podinfo/uid")).toBe(uid);
  expect(await cat("files", "/podinfo/labels")).toBe('app="files"\ntier="a"');
  expect(await cat("files", "/podinfo/annotations")).toBe('note="say \\"hi\\""');
  expect(await cat("files", "/podinfo/tier")).toBe("a");
  expect(await cat("files", "/podinfo/limits/memory-mi")).toBe("64");
  expect(await cat("files", "/podinfo/limits/cpu-m")).toBe("250");
  // 100m in whole cores, rounded up as upstream does.
  expect(await cat("files", "/podinfo/requests/cpu")).toBe("1");
});

test("a projected volume merges ConfigMap items, Secret keys and downward API files", async () => {
  expect(await cat("files", "/all/config/color")).toBe("blue");
  expect(await cat("files", "/all/password")).toBe("hunter2");
  expect(await cat("files", "/all/pod-name")).toBe("files");
  // Only the listed item of the ConfigMap is projected.
  expect((await c.kr(["exec", "files", "--", "cat", "/all/size"])).code).not.toBe(0);
});

test("the labels file follows a label change", async () => {
  await c.k(["label", "pod", "files", "tier=b", "--overwrite"]);
  await eventually("tier=b in the labels file", async () => ((await cat("files", "/podinfo/labels")) === 'app="files"\ntier="b"' ? true : undefined), 60_000);
  expect(await cat("files", "/podinfo/tier")).toBe("b");
});

const refusedPod = (name: string, volume: object) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: TEST_IMAGE_1, command: ["sleep", "3600"], volumeMounts: [{ name: "v", mountPath: "/v" }] }], volumes: [{ name: "v", ...volume }] },
  });

async function waitingOf(pod: string): Promise<{ reason: string; message: string }> {
  return eventually(`${pod} waiting with a reason`, async () => {
    const p = JSON.parse(await c.k(["get", "pod", pod, "-o", "json"]));
    const w = p.status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === "CreateContainerConfigError" ? w : undefined;
  });
}

test("a projected service account token is written with its audience and expiry, bound to the pod", async () => {
  await c.k(["apply", "-f", "-"], refusedPod("wants-token", { projected: { sources: [{ serviceAccountToken: { path: "token", audience: "vault", expirationSeconds: 600 } }] } }));
  const token = await eventually("the token file", async () => (await cat("wants-token", "/v/token")) || undefined, 90_000);
  const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
  expect(claims.aud).toEqual(["vault"]);
  expect(claims.exp - claims.iat).toBe(600);
  expect(claims["kubernetes.io"].pod.name).toBe("wants-token");
});

test("a volume type the node does not serve is refused with its name", async () => {
  await c.k(["apply", "-f", "-"], refusedPod("wants-nfs", { nfs: { server: "127.0.0.1", path: "/exports" } }));
  const w = await waitingOf("wants-nfs");
  expect(w.message).toContain('volume "v": nfs volumes are not supported on this node');
});
