import { test, expect, describe } from "bun:test";
import { toTable } from "../../../src/api/tables/index.ts";
import * as kinds from "../../../src/api/kinds/index.ts";
import type { KindDef } from "../../../src/api/kinds/kind.ts";

const now = Date.parse("2024-05-01T12:00:00Z");
const created = new Date(now - 3 * 3600_000 - 20 * 60_000).toISOString(); // AGE 3h20m
const meta = (name: string, extra: object = {}) => ({ name, namespace: "default", creationTimestamp: created, ...extra });
const row = (kind: KindDef, obj: object) => toTable(kind, [obj as never], { now }).rows[0]!.cells;
const headers = (kind: KindDef) => toTable(kind, [], { now }).columnDefinitions.map((c) => (c.priority ? `(${c.name})` : c.name));

describe("deployments and replicasets", () => {
  const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }, { name: "log", image: "busybox" }] } };
  test("deployment: NAME READY UP-TO-DATE AVAILABLE AGE (CONTAINERS IMAGES SELECTOR)", () => {
    expect(headers(kinds.deploymentKind)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age", "(Containers)", "(Images)", "(Selector)"]);
    const d = { metadata: meta("web"), spec: { replicas: 3, selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }, template }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    expect(row(kinds.deploymentKind, d)).toEqual(["web", "2/3", 3, 2, "3h20m", "nginx,log", "nginx:1.25,busybox", "app=web,tier notin (db)"]);
  });
  test("a deployment without status shows zeros", () => {
    expect(row(kinds.deploymentKind, { metadata: meta("new"), spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template } }).slice(0, 4)).toEqual(["new", "0/1", 0, 0]);
  });
  test("replicaset: NAME DESIRED CURRENT READY AGE (CONTAINERS IMAGES SELECTOR)", () => {
    expect(headers(kinds.replicaSetKind)).toEqual(["Name", "Desired", "Current", "Ready", "Age", "(Containers)", "(Images)", "(Selector)"]);
    const rs = { metadata: meta("web-5d8f"), spec: { replicas: 2, selector: { matchLabels: { app: "web", "pod-template-hash": "5d8f" } }, template }, status: { replicas: 2, readyReplicas: 1 } };
    expect(row(kinds.replicaSetKind, rs)).toEqual(["web-5d8f", 2, 2, 1, "3h20m", "nginx,log", "nginx:1.25,busybox", "app=web,pod-template-hash=5d8f"]);
  });
});

describe("services, endpoints, endpointslices", () => {
  test("service: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE (SELECTOR)", () => {
    expect(headers(kinds.serviceKind)).toEqual(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "(Selector)"]);
    const svc = { metadata: meta("web"), spec: { type: "ClusterIP", clusterIP: "10.43.0.10", clusterIPs: ["10.43.0.10"], ports: [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { app: "web", tier: "fe" } } };
    expect(row(kinds.serviceKind, svc)).toEqual(["web", "ClusterIP", "10.43.0.10", "<none>", "80/TCP,53/UDP", "3h20m", "app=web,tier=fe"]);
  });
  test("NodePort, pending LoadBalancer, headless and ExternalName services", () => {
    const np = { metadata: meta("np"), spec: { type: "NodePort", clusterIP: "10.43.0.11", ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }] } };
    expect(row(kinds.serviceKind, np).slice(1, 5)).toEqual(["NodePort", "10.43.0.11", "<none>", "80:30080/TCP"]);
    const lb = { metadata: meta("lb"), spec: { type: "LoadBalancer", clusterIP: "10.43.0.12", ports: [{ port: 443, nodePort: 31443, protocol: "TCP" }] } };
    expect(row(kinds.serviceKind, lb).slice(1, 5)).toEqual(["LoadBalancer", "10.43.0.12", "<pending>", "443:31443/TCP"]);
    const lbReady = { ...lb, status: { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } } };
    expect(row(kinds.serviceKind, lbReady)[3]).toBe("192.0.2.1");
    const headless = { metadata: meta("db"), spec: { type: "ClusterIP", clusterIP: "None" } };
    expect(row(kinds.serviceKind, headless).slice(1, 5)).toEqual(["ClusterIP", "None", "<none>", "<none>"]);
    const ext = { metadata: meta("ext"), spec: { type: "ExternalName", externalName: "db.example.com" } };
    expect(row(kinds.serviceKind, ext).slice(1, 5)).toEqual(["ExternalName", "<none>", "db.example.com", "<none>"]);
  });
  test("endpoints list at most three addresses", () => {
    expect(headers(kinds.endpointsKind)).toEqual(["Name", "Endpoints", "Age"]);
    const addrs = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map((ip) => ({ ip }));
    expect(row(kinds.endpointsKind, { metadata: meta("web"), subsets: [{ addresses: addrs, ports: [{ port: 8080, protocol: "TCP" }] }] })).toEqual(["web", "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...", "3h20m"]);
    expect(row(kinds.endpointsKind, { metadata: meta("one"), subsets: [{ addresses: [{ ip: "10.0.0.9" }], ports: [{ port: 80 }] }] })[1]).toBe("10.0.0.9:80");
    expect(row(kinds.endpointsKind, { metadata: meta("none") })[1]).toBe("<none>");
  });
  test("endpointslice: NAME ADDRESSTYPE PORTS ENDPOINTS AGE", () => {
    expect(headers(kinds.endpointSliceKind)).toEqual(["Name", "AddressType", "Ports", "Endpoints", "Age"]);
    const s = { metadata: meta("web-abc"), addressType: "IPv4", ports: [{ port: 80 }], endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }] };
    expect(row(kinds.endpointSliceKind, s)).toEqual(["web-abc", "IPv4", "80", "10.0.0.1,10.0.0.2", "3h20m"]);
    expect(row(kinds.endpointSliceKind, { metadata: meta("empty"), addressType: "IPv4" }).slice(2, 4)).toEqual(["<unset>", "<unset>"]);
  });
});

describe("nodes, namespaces, config, accounts, leases", () => {
  test("node: NAME STATUS ROLES AGE VERSION (INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME)", () => {
    expect(headers(kinds.nodeKind)).toEqual(["Name", "Status", "Roles", "Age", "Version", "(Internal-IP)", "(External-IP)", "(OS-Image)", "(Kernel-Version)", "(Container-Runtime)"]);
    const n = {
      metadata: { name: "edge-1", creationTimestamp: created, labels: { "node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "true" } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        addresses: [{ type: "InternalIP", address: "192.168.1.5" }, { type: "Hostname", address: "edge-1" }],
        nodeInfo: { kubeletVersion: "v1.32.0-skiff", osImage: "Debian GNU/Linux 12 (bookworm)", kernelVersion: "6.1.0-18-amd64", containerRuntimeVersion: "podman://4.3.1" },
      },
    };
    expect(row(kinds.nodeKind, n)).toEqual(["edge-1", "Ready,SchedulingDisabled", "control-plane,master", "3h20m", "v1.32.0-skiff", "192.168.1.5", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "podman://4.3.1"]);
    const bare = { metadata: { name: "n2", creationTimestamp: created }, status: { conditions: [{ type: "Ready", status: "Unknown" }] } };
    expect(row(kinds.nodeKind, bare)).toEqual(["n2", "NotReady", "<none>", "3h20m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);
    expect(row(kinds.nodeKind, { metadata: { name: "n3", creationTimestamp: created } })[1]).toBe("Unknown");
  });
  test("namespace: NAME STATUS AGE", () => {
    expect(headers(kinds.namespaceKind)).toEqual(["Name", "Status", "Age"]);
    expect(row(kinds.namespaceKind, { metadata: { name: "apps", creationTimestamp: created }, status: { phase: "Active" } })).toEqual(["apps", "Active", "3h20m"]);
  });
  test("configmap: NAME DATA AGE; secret: NAME TYPE DATA AGE", () => {
    expect(headers(kinds.configMapKind)).toEqual(["Name", "Data", "Age"]);
    expect(row(kinds.configMapKind, { metadata: meta("cfg"), data: { a: "1", b: "2" }, binaryData: { c: "AA==" } })).toEqual(["cfg", 3, "3h20m"]);
    expect(headers(kinds.secretKind)).toEqual(["Name", "Type", "Data", "Age"]);
    expect(row(kinds.secretKind, { metadata: meta("tls"), type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } })).toEqual(["tls", "kubernetes.io/tls", 2, "3h20m"]);
  });
  test("serviceaccount: NAME SECRETS AGE; lease: NAME HOLDER AGE", () => {
    expect(headers(kinds.serviceAccountKind)).toEqual(["Name", "Secrets", "Age"]);
    expect(row(kinds.serviceAccountKind, { metadata: meta("default") })).toEqual(["default", 0, "3h20m"]);
    expect(headers(kinds.leaseKind)).toEqual(["Name", "Holder", "Age"]);
    expect(row(kinds.leaseKind, { metadata: meta("edge-1"), spec: { holderIdentity: "edge-1" } })).toEqual(["edge-1", "edge-1", "3h20m"]);
  });
});

describe("events", () => {
  test("LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME", () => {
    expect(headers(kinds.eventKind)).toEqual(["Last Seen", "Type", "Reason", "Object", "(Subobject)", "(Source)", "Message", "(First Seen)", "(Count)", "(Name)"]);
    const ev = {
      metadata: meta("web.17c"),
      involvedObject: { kind: "Pod", name: "web", namespace: "default", fieldPath: "spec.containers{nginx}" },
      reason: "Pulled",
      message: "  Successfully pulled image \"nginx\"\n",
      source: { component: "kubelet", host: "edge-1" },
      firstTimestamp: new Date(now - 600_000).toISOString(),
      lastTimestamp: new Date(now - 30_000).toISOString(),
      count: 4,
      type: "Normal",
    };
    expect(row(kinds.eventKind, ev)).toEqual(["30s", "Normal", "Pulled", "pod/web", "spec.containers{nginx}", "kubelet, edge-1", 'Successfully pulled image "nginx"', "10m", 4, "web.17c"]);
  });
  test("events.k8s.io-style events: eventTime, series, reporting controller", () => {
    const ev = { metadata: meta("e2"), involvedObject: { kind: "Node" }, reason: "Starting", message: "m", eventTime: new Date(now - 90_000).toISOString(), reportingComponent: "skiff-agent", type: "Normal" };
    expect(row(kinds.eventKind, ev)).toEqual(["90s", "Normal", "Starting", "node", "", "skiff-agent", "m", "90s", 1, "e2"]);
    const series = { ...ev, series: { count: 7, lastObservedTime: new Date(now - 5_000).toISOString() } };
    expect(row(kinds.eventKind, series)[0]).toBe("5s");
    expect(row(kinds.eventKind, series)[8]).toBe(7);
  });
});

test("every served kind has a Name column with format name", () => {
  for (const k of kinds.allKinds) {
    const cols = toTable(k, [], { now }).columnDefinitions;
    expect(cols.some((c) => c.name === "Name" && c.format === "name")).toBe(true);
  }
});
