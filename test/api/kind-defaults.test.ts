// Every served kind, created as the smallest valid object and read back over HTTPS, carries
// the fields upstream's defaulters fill (pkg/apis/core/v1/defaults.go, apps/v1, discovery/v1):
// clients such as kubectl dereference them without checking.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.cleanup());

async function createAndGet(collection: string, body: object): Promise<any> {
  const created = await apiFetch(server, collection, { method: "POST", body: JSON.stringify(body) });
  expect(created.status).toBe(201);
  const name = (body as { metadata: { name: string } }).metadata.name;
  const got = await apiFetch(server, `${collection}/${name}`);
  expect(got.status).toBe(200);
  return got.json();
}

const container = { name: "c", image: "busybox" };
const podSpec = () => ({
  hostNetwork: true,
  containers: [
    {
      ...container,
      ports: [{ containerPort: 8080 }],
      env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
      readinessProbe: { httpGet: { port: 8080 } },
      lifecycle: { preStop: { httpGet: { port: 8080 } } },
      resources: { limits: { cpu: "100m", memory: "64Mi" } },
    },
  ],
  initContainers: [{ name: "init", image: "busybox:1.36" }],
  volumes: [
    { name: "bare" },
    { name: "cm", configMap: { name: "x" } },
    { name: "sec", secret: { secretName: "x" } },
    { name: "down", downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
    { name: "proj", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { downwardAPI: { items: [{ path: "ns", fieldRef: { fieldPath: "metadata.namespace" } }] } }] } },
    { name: "host", hostPath: { path: "/tmp" } },
    { name: "disk", azureDisk: { diskName: "d", diskURI: "u" } },
    { name: "block", rbd: { monitors: ["m"], image: "i" } },
  ],
});

function expectPodSpecDefaults(spec: any) {
  expect(spec).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", schedulerName: "default-scheduler", terminationGracePeriodSeconds: 30, securityContext: {} });
  const c = spec.containers[0];
  expect(c).toMatchObject({ terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File", imagePullPolicy: "Always" });
  expect(c.ports[0].protocol).toBe("TCP");
  expect(c.env[0].valueFrom.fieldRef.apiVersion).toBe("v1");
  expect(c.readinessProbe).toMatchObject({ timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, httpGet: { path: "/", scheme: "HTTP" } });
  expect(c.lifecycle.preStop.httpGet).toMatchObject({ path: "/", scheme: "HTTP" });
  expect(spec.initContainers[0].imagePullPolicy).toBe("IfNotPresent");
  const vol = Object.fromEntries(spec.volumes.map((v: any) => [v.name, v]));
  expect(vol.bare.emptyDir).toEqual({});
  expect(vol.cm.configMap.defaultMode).toBe(420);
  expect(vol.sec.secret.defaultMode).toBe(420);
  expect(vol.down.downwardAPI.defaultMode).toBe(420);
  expect(vol.down.downwardAPI.items[0].fieldRef.apiVersion).toBe("v1");
  expect(vol.proj.projected.defaultMode).toBe(420);
  // One hour: upstream's SetDefaults_ServiceAccountTokenProjection.
  expect(vol.proj.projected.sources[0].serviceAccountToken.expirationSeconds).toBe(3600);
  expect(vol.proj.projected.sources[1].downwardAPI.items[0].fieldRef.apiVersion).toBe("v1");
  expect(vol.host.hostPath.type).toBe("");
  expect(vol.disk.azureDisk).toMatchObject({ cachingMode: "ReadWrite", fsType: "ext4", readOnly: false, kind: "Shared" });
  expect(vol.block.rbd).toMatchObject({ pool: "rbd", user: "admin", keyring: "/etc/ceph/keyring" });
}

test("Pod: spec defaults, requests from limits, host ports, and a Pending status with its QoS class", async () => {
  const pod = await createAndGet("/api/v1/namespaces/default/pods", { metadata: { name: "p" }, spec: podSpec() });
  expectPodSpecDefaults(pod.spec);
  expect(pod.spec).toMatchObject({ enableServiceLinks: true, serviceAccountName: "default", serviceAccount: "default", priority: 0 });
  expect(pod.spec.containers[0].resources.requests).toEqual({ cpu: "100m", memory: "64Mi" });
  expect(pod.spec.containers[0].ports[0].hostPort).toBe(8080);
  expect(pod.status).toEqual({ phase: "Pending", qosClass: "Burstable" });
});

test("Pod: the QoS class follows the resources", async () => {
  const guaranteed = await createAndGet("/api/v1/namespaces/default/pods", { metadata: { name: "g" }, spec: { containers: [{ ...container, resources: { limits: { cpu: "1", memory: "1Gi" } } }] } });
  expect(guaranteed.status.qosClass).toBe("Guaranteed");
  const none = await createAndGet("/api/v1/namespaces/default/pods", { metadata: { name: "b" }, spec: { containers: [container] } });
  expect(none.status).toEqual({ phase: "Pending", qosClass: "BestEffort" });
});

test("Deployment and ReplicaSet: their own defaults and their templates' pod defaults", async () => {
  const template = { metadata: { labels: { app: "a" } }, spec: podSpec() };
  const d = await createAndGet("/apis/apps/v1/namespaces/default/deployments", { metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "a" } }, template } });
  expect(d.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } } });
  expectPodSpecDefaults(d.spec.template.spec);
  // Templates get no host ports (upstream defaults those on pods only since 1.28).
  expect(d.spec.template.spec.containers[0].ports[0].hostPort).toBeUndefined();
  const rs = await createAndGet("/apis/apps/v1/namespaces/default/replicasets", { metadata: { name: "r" }, spec: { selector: { matchLabels: { app: "a" } }, template } });
  expect(rs.spec.replicas).toBe(1);
  expectPodSpecDefaults(rs.spec.template.spec);
});

test("Service: type, affinity, ports, families and policies", async () => {
  const s = await createAndGet("/api/v1/namespaces/default/services", { metadata: { name: "s" }, spec: { type: "NodePort", sessionAffinity: "ClientIP", ports: [{ port: 80 }] } });
  expect(s.spec).toMatchObject({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, internalTrafficPolicy: "Cluster", externalTrafficPolicy: "Cluster", ipFamilyPolicy: "SingleStack", ipFamilies: ["IPv4"] });
  expect(s.spec.ports[0]).toMatchObject({ protocol: "TCP", targetPort: 80 });
  const plain = await createAndGet("/api/v1/namespaces/default/services", { metadata: { name: "plain" }, spec: { ports: [{ port: 81 }] } });
  expect(plain.spec).toMatchObject({ type: "ClusterIP", sessionAffinity: "None" });
});

test("Namespace, Secret, Endpoints, EndpointSlice and Node", async () => {
  const ns = await createAndGet("/api/v1/namespaces", { metadata: { name: "n1" } });
  expect(ns.spec.finalizers).toEqual(["kubernetes"]);
  expect(ns.status.phase).toBe("Active");
  expect(ns.metadata.labels["kubernetes.io/metadata.name"]).toBe("n1");
  const secret = await createAndGet("/api/v1/namespaces/default/secrets", { metadata: { name: "sec" } });
  expect(secret.type).toBe("Opaque");
  const ep = await createAndGet("/api/v1/namespaces/default/endpoints", { metadata: { name: "e" }, subsets: [{ addresses: [{ ip: "10.42.0.9" }], ports: [{ port: 80 }] }] });
  expect(ep.subsets[0].ports[0].protocol).toBe("TCP");
  const slice = await createAndGet("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", { metadata: { name: "es" }, addressType: "IPv4", endpoints: [], ports: [{ port: 80 }] });
  expect(slice.ports[0]).toEqual({ name: "", protocol: "TCP", port: 80 });
  const node = await createAndGet("/api/v1/nodes", { metadata: { name: "n" }, status: { capacity: { cpu: "2" } } });
  expect(node.status.allocatable).toEqual({ cpu: "2" });
});
