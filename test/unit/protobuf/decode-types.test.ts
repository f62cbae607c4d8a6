// Hand-built bodies for the value types and JSON rules the captured kubectl bodies do not
// reach. Field numbers follow k8s.io/api's generated.proto.
import { describe, expect, test } from "bun:test";
import { decodeKubeProtobuf } from "../../../src/api/protobuf/decode.ts";
import { bool, bytes, concat, entry, envelope, int, msg, str, varint } from "./encode.ts";

const decode = (apiVersion: string, kind: string, raw: Uint8Array) => decodeKubeProtobuf(envelope(apiVersion, kind, raw)).object;
const timestamp = (seconds: number, nanos = 0) => concat(int(1, seconds), int(2, nanos));

describe("times", () => {
  test("Time is RFC 3339 in whole seconds, an empty Time is null", () => {
    // Event: metadata=1 {creationTimestamp=8}, firstTimestamp=6, lastTimestamp=7
    const o = decode("v1", "Event", concat(msg(1, str(1, "e1"), msg(8)), msg(6, timestamp(1_700_000_000, 999_000_000)), msg(7, timestamp(0))));
    expect(o.metadata).toEqual({ name: "e1", creationTimestamp: null });
    expect(o.firstTimestamp).toBe("2023-11-14T22:13:20Z");
    expect(o.lastTimestamp).toBe("1970-01-01T00:00:00Z");
  });

  test("MicroTime keeps microseconds (Lease renewTime, Event eventTime)", () => {
    // LeaseSpec: holderIdentity=1, leaseDurationSeconds=2, acquireTime=3, renewTime=4, leaseTransitions=5
    const lease = decode("coordination.k8s.io/v1", "Lease", concat(msg(1, str(1, "node-a")), msg(2, str(1, "node-a"), int(2, 40), msg(4, timestamp(1_700_000_000, 123_456_789)), int(5, 0))));
    expect(lease.spec).toEqual({ holderIdentity: "node-a", leaseDurationSeconds: 40, renewTime: "2023-11-14T22:13:20.123456Z", leaseTransitions: 0 });
    const ev = decode("v1", "Event", msg(10, timestamp(86_400, 5_000)));
    expect(ev.eventTime).toBe("1970-01-02T00:00:00.000005Z");
  });
});

describe("quantities and int-or-string", () => {
  test("Quantity maps decode to strings (Node capacity, container limits)", () => {
    // Node: status=3 {capacity=1 map<string, Quantity{string=1}>}
    const node = decode("v1", "Node", msg(3, entry(1, "cpu", msg(2, str(1, "4"))), entry(1, "memory", msg(2, str(1, "8Gi"))), entry(2, "pods", msg(2))));
    expect(node.status).toEqual({ capacity: { cpu: "4", memory: "8Gi" }, allocatable: { pods: "0" } });
  });

  test("IntOrString follows its type field (HTTP probe port)", () => {
    // Pod spec=2 {containers=2 {name=1, livenessProbe=10 {handler=1 (inline) {httpGet=2 {path=1, port=2}}}, readinessProbe=11 ...}}
    const port = (v: Uint8Array) => msg(1, msg(2, str(1, "/healthz"), msg(2, v)));
    const pod = decode("v1", "Pod", msg(2, msg(2, str(1, "app"), msg(10, port(int(2, 8080))), msg(11, port(concat(int(1, 1), str(3, "http")))))));
    const c = (pod.spec as { containers: Record<string, unknown>[] }).containers[0]!;
    expect(c.livenessProbe).toEqual({ httpGet: { path: "/healthz", port: 8080 } });
    expect(c.readinessProbe).toEqual({ httpGet: { path: "/healthz", port: "http" } });
  });
});

describe("embedded objects", () => {
  test("a RawExtension is the JSON object it carries (ControllerRevision data)", () => {
    // ControllerRevision: metadata=1, data=2 RawExtension {raw=1}, revision=3
    const data = { spec: { template: { metadata: { labels: { app: "d" } } } } };
    const rev = decode("apps/v1", "ControllerRevision", concat(msg(1, str(1, "d-1")), msg(2, str(1, JSON.stringify(data))), int(3, 2)));
    expect(rev.data).toEqual(data);
    expect(rev.revision).toBe(2);
    expect(() => decode("apps/v1", "ControllerRevision", msg(2, str(1, "{not json")))).toThrow("RawExtension");
  });
});

describe("Go JSON presence rules", () => {
  test("a zero pointer is kept, a zero omitempty value is dropped, a required zero is kept", () => {
    // DeploymentSpec: replicas=1 (*int32), minReadySeconds=5 (omitempty), paused=7 (omitempty)
    const d = decode("apps/v1", "Deployment", msg(2, int(1, 0), int(5, 0), bool(7, false)));
    expect(d.spec).toEqual({ replicas: 0 });
    // ContainerPort: name=1, hostPort=2, containerPort=3 (required) — kubectl writes every non-pointer field.
    const pod = decode("v1", "Pod", msg(2, msg(2, str(1, ""), msg(6, str(1, ""), int(2, 0), int(3, 0), str(4, "TCP"), str(5, "")))));
    expect(pod.spec).toEqual({ containers: [{ name: "", ports: [{ containerPort: 0, protocol: "TCP" }] }] });
  });

  test("pointer booleans keep false (EndpointSlice conditions)", () => {
    // EndpointSlice: addressType=4, endpoints=2 {addresses=1, conditions=2 {ready=1, serving=2, terminating=3}}, ports=3 {name=1, protocol=2, port=3}
    const s = decode("discovery.k8s.io/v1", "EndpointSlice", concat(str(4, "IPv4"), msg(2, str(1, "10.0.0.5"), msg(2, bool(1, false), bool(3, true))), msg(3, str(1, ""), str(2, "TCP"), int(3, 80))));
    expect(s).toEqual({ kind: "EndpointSlice", apiVersion: "discovery.k8s.io/v1", addressType: "IPv4", endpoints: [{ addresses: ["10.0.0.5"], conditions: { ready: false, terminating: true } }], ports: [{ name: "", protocol: "TCP", port: 80 }] });
  });

  test("inline structs lift their fields into the parent (volumes, key selectors)", () => {
    // PodSpec volumes=1 {name=1, volumeSource=2 {configMap=19 {localObjectReference=1 {name=1}, defaultMode=3}}}
    // containers=2 {env=7 {name=1, valueFrom=3 {secretKeyRef=4 {localObjectReference=1 {name=1}, key=2}}}}
    const pod = decode("v1", "Pod", msg(2, msg(1, str(1, "cfg"), msg(2, msg(19, msg(1, str(1, "settings")), int(3, 0o644)))), msg(2, str(1, "app"), msg(7, str(1, "PASS"), msg(3, msg(4, msg(1, str(1, "creds")), str(2, "pass")))))));
    expect(pod.spec).toEqual({
      volumes: [{ name: "cfg", configMap: { name: "settings", defaultMode: 420 } }],
      containers: [{ name: "app", env: [{ name: "PASS", valueFrom: { secretKeyRef: { name: "creds", key: "pass" } } }] }],
    });
  });

  test("repeated numbers decode packed and unpacked; negative int64 survives", () => {
    // PodSpec securityContext=14 {runAsUser=2, supplementalGroups=4 repeated int64}
    const packed = bytes(4, concat(varint(1000), varint(2000)));
    const pod = decode("v1", "Pod", msg(2, msg(14, int(2, -1), packed, int(4, 3000))));
    expect(pod.spec).toEqual({ securityContext: { runAsUser: -1, supplementalGroups: [1000, 2000, 3000] } });
  });

  test("a message field sent twice is merged, as protobuf specifies", () => {
    const d = decode("apps/v1", "Deployment", concat(msg(1, str(1, "web")), msg(1, str(3, "default"))));
    expect(d.metadata).toEqual({ name: "web", namespace: "default" });
  });

  test("fields the table does not know are skipped", () => {
    const ns = decode("v1", "Namespace", concat(msg(1, str(1, "edge"), str(99, "future")), int(77, 5)));
    expect(ns).toEqual({ kind: "Namespace", apiVersion: "v1", metadata: { name: "edge" } });
  });

  test("managedFields fieldsV1 is the JSON it carries", () => {
    // ObjectMeta managedFields=17 {manager=1, operation=2, apiVersion=3, time=4, fieldsType=6, fieldsV1=7 {Raw=1}}
    const fields = '{"f:data":{"f:mode":{}}}';
    const cm = decode("v1", "ConfigMap", msg(1, str(1, "c"), msg(17, str(1, "kubectl"), str(2, "Apply"), str(3, "v1"), msg(4, timestamp(60)), str(6, "FieldsV1"), msg(7, str(1, fields)))));
    expect((cm.metadata as { managedFields: unknown[] }).managedFields).toEqual([{ manager: "kubectl", operation: "Apply", apiVersion: "v1", time: "1970-01-01T00:01:00Z", fieldsType: "FieldsV1", fieldsV1: JSON.parse(fields) }]);
  });
});

describe("kinds and envelopes", () => {
  test("DeleteOptions decodes under any group version (it is registered in each)", () => {
    // DeleteOptions: gracePeriodSeconds=1, preconditions=2 {uid=1}, orphanDependents=3, propagationPolicy=4, dryRun=5
    const raw = concat(int(1, 0), msg(2, str(1, "u-1")), str(4, "Foreground"), str(5, "All"));
    for (const apiVersion of ["v1", "apps/v1", "meta.k8s.io/v1"]) {
      expect(decode(apiVersion, "DeleteOptions", raw)).toEqual({ kind: "DeleteOptions", apiVersion, gracePeriodSeconds: 0, preconditions: { uid: "u-1" }, propagationPolicy: "Foreground", dryRun: ["All"] });
    }
  });

  test("Secret data is base64, stringData stays text, and the kind comes from the envelope", () => {
    const d = decodeKubeProtobuf(envelope("v1", "Secret", concat(msg(1, str(1, "s")), entry(2, "k", bytes(2, new Uint8Array([0, 255]))), entry(4, "t", str(2, "plain")), str(3, "Opaque"))));
    expect(d.apiVersion).toBe("v1");
    expect(d.kind).toBe("Secret");
    expect(d.object).toEqual({ kind: "Secret", apiVersion: "v1", metadata: { name: "s" }, data: { k: "AP8=" }, stringData: { t: "plain" }, type: "Opaque" });
  });

  test("every served kind decodes an empty object", () => {
    const kinds: [string, string][] = [
      ["v1", "Namespace"], ["v1", "ConfigMap"], ["v1", "Secret"], ["v1", "Service"], ["v1", "ServiceAccount"], ["v1", "Pod"], ["v1", "Endpoints"], ["v1", "Event"], ["v1", "Node"],
      ["apps/v1", "Deployment"], ["apps/v1", "ReplicaSet"], ["coordination.k8s.io/v1", "Lease"], ["discovery.k8s.io/v1", "EndpointSlice"],
    ];
    for (const [apiVersion, kind] of kinds) expect(decode(apiVersion, kind, msg(1, str(1, "x")))).toEqual({ kind, apiVersion, metadata: { name: "x" } });
  });
});
