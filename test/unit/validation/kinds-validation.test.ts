import { test, expect, describe } from "bun:test";
import * as kinds from "../../../src/api/kinds/index.ts";
import type { KindDef, KubeObject } from "../../../src/api/kinds/kind.ts";
import { validateAgainstKind } from "../../../src/api/validation/validate-kind.ts";

/** Defaults then validation, as the registry runs them on a write. */
function errorsOf(kind: KindDef, obj: object, old?: object) {
  const o = structuredClone(obj) as KubeObject;
  kind.defaults?.(o);
  let prev: KubeObject | undefined;
  if (old) {
    prev = structuredClone(old) as KubeObject;
    kind.defaults?.(prev);
  }
  return validateAgainstKind(kind, o, prev).map((e) => `${e.field}: ${e.message}`);
}

const deployment = (spec: object = {}, name = "web") => ({
  metadata: { name, namespace: "default" },
  spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25" }] } }, ...spec },
});
const pod = (spec: object = {}, meta: object = {}) => ({ metadata: { name: "p", namespace: "default", ...meta }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });

describe("object metadata", () => {
  test("names must be RFC 1123 subdomains", () => {
    expect(errorsOf(kinds.configMapKind, { metadata: { name: "Bad_Name", namespace: "default" } })).toEqual([
      `metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
  });
  test("namespaces are RFC 1123 labels, services DNS-1035 labels", () => {
    expect(errorsOf(kinds.namespaceKind, { metadata: { name: "a.b" } })[0]).toStartWith('metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label');
    expect(errorsOf(kinds.serviceKind, { metadata: { name: "1svc", namespace: "default" }, spec: { ports: [{ port: 80 }] } })[0]).toStartWith('metadata.name: Invalid value: "1svc": a DNS-1035 label');
  });
  test("label keys and values, annotation keys and total size", () => {
    const errs = errorsOf(kinds.configMapKind, { metadata: { name: "c", namespace: "default", labels: { "bad key": "v", ok: "-bad" }, annotations: { "a/b/c": "x", big: "x".repeat(256 * 1024) } } });
    expect(errs.map((e) => e.split(": ").slice(0, 2).join(": "))).toEqual([
      'metadata.labels: Invalid value',
      'metadata.labels: Invalid value',
      'metadata.annotations: Invalid value',
      "metadata.annotations: Too long",
    ]);
    expect(errs[3]).toBe("metadata.annotations: Too long: may not be more than 262144 bytes");
  });
  test("name and namespace are immutable", () => {
    expect(errorsOf(kinds.configMapKind, { metadata: { name: "b", namespace: "default" } }, { metadata: { name: "a", namespace: "default" } })).toEqual(['metadata.name: Invalid value: "b": field is immutable']);
  });
});

describe("pods", () => {
  test("a valid pod has no errors after defaulting", () => expect(errorsOf(kinds.podKind, pod())).toEqual([]));
  test("containers, names and images are required; names unique", () => {
    expect(errorsOf(kinds.podKind, pod({ containers: [] }))).toEqual(["spec.containers: Required value"]);
    expect(errorsOf(kinds.podKind, pod({ containers: [{ name: "c" }, { name: "c", image: "x" }] }))).toEqual(["spec.containers[0].image: Required value", 'spec.containers[1].name: Duplicate value: "c"']);
  });
  test("ports in range, protocols and restart policies supported", () => {
    expect(errorsOf(kinds.podKind, pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 70000 }, { containerPort: 80, protocol: "HTTP" }] }], restartPolicy: "Sometimes" }))).toEqual([
      "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
      'spec.containers[0].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
  });
  test("volume mounts must name a volume", () => {
    expect(errorsOf(kinds.podKind, pod({ containers: [{ name: "c", image: "x", volumeMounts: [{ name: "data", mountPath: "/d" }] }] }))).toEqual(['spec.containers[0].volumeMounts[0].name: Not found: "data"']);
  });
  test("updates may change images, add tolerations and bind once; nothing else", () => {
    const old = pod({ nodeName: "" });
    // The stored container keeps its pull policy; only the image moves.
    expect(errorsOf(kinds.podKind, pod({ containers: [{ name: "c", image: "busybox:2", imagePullPolicy: "Always" }] }), old)).toEqual([]);
    expect(errorsOf(kinds.podKind, pod({ tolerations: [{ key: "k", operator: "Exists" }] }), old)).toEqual([]);
    expect(errorsOf(kinds.podKind, pod({ nodeName: "edge-1" }), old)).toEqual([]);
    const changed = errorsOf(kinds.podKind, pod({ restartPolicy: "Never" }), old);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toStartWith("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`");
    expect(errorsOf(kinds.podKind, pod({ nodeName: "edge-2" }), pod({ nodeName: "edge-1" }))[0]).toStartWith("spec: Forbidden");
  });
});

describe("deployments and replicasets", () => {
  test("a valid deployment has no errors", () => expect(errorsOf(kinds.deploymentKind, deployment())).toEqual([]));
  test("selector must match the template labels", () => {
    const d = deployment({ selector: { matchLabels: { app: "other" } } });
    expect(errorsOf(kinds.deploymentKind, d)).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
  });
  test("selector and template are required; an empty selector is invalid", () => {
    expect(errorsOf(kinds.deploymentKind, { metadata: { name: "d", namespace: "default" }, spec: {} })).toContain("spec.selector: Required value");
    expect(errorsOf(kinds.deploymentKind, deployment({ selector: {} }))).toContain(
      "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment",
    );
  });
  test("replicas not negative, surge and unavailable not both zero, strategy type known", () => {
    expect(errorsOf(kinds.deploymentKind, deployment({ replicas: -1 }))).toEqual(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
    expect(errorsOf(kinds.deploymentKind, deployment({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
    ]);
    expect(errorsOf(kinds.deploymentKind, deployment({ strategy: { type: "BlueGreen" } }))).toEqual(['spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"']);
    expect(errorsOf(kinds.deploymentKind, deployment({ strategy: { type: "Recreate", rollingUpdate: {} } }))).toEqual(["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
  });
  test("template containers are checked at their template path", () => {
    const d = deployment();
    (d.spec.template.spec.containers[0] as { image?: string }).image = undefined;
    expect(errorsOf(kinds.deploymentKind, d)).toEqual(["spec.template.spec.containers[0].image: Required value"]);
  });
  test("template restartPolicy must be Always", () => {
    const d = deployment();
    (d.spec.template.spec as { restartPolicy?: string }).restartPolicy = "Never";
    expect(errorsOf(kinds.deploymentKind, d)).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });
  test("the selector is immutable", () => {
    const next = deployment({ selector: { matchLabels: { app: "web", v: "2" } }, template: { metadata: { labels: { app: "web", v: "2" } }, spec: { containers: [{ name: "n", image: "x" }] } } });
    expect(errorsOf(kinds.deploymentKind, next, deployment())).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    const rs = (sel: object) => ({ ...deployment({ selector: sel }), spec: { ...deployment({ selector: sel }).spec, strategy: undefined } });
    expect(errorsOf(kinds.replicaSetKind, rs({ matchLabels: { app: "web" }, matchExpressions: [{ key: "app", operator: "Exists" }] }), rs({ matchLabels: { app: "web" } }))[0]).toEndWith("field is immutable");
  });
});

describe("services, configmaps, secrets", () => {
  const svc = (spec: object) => ({ metadata: { name: "web", namespace: "default" }, spec });
  test("ports: required, in range, named when several, unique", () => {
    expect(errorsOf(kinds.serviceKind, svc({ selector: { app: "web" } }))).toEqual(["spec.ports: Required value"]);
    expect(errorsOf(kinds.serviceKind, svc({ clusterIP: "None" }))).toEqual([]);
    expect(errorsOf(kinds.serviceKind, svc({ ports: [{ port: 0 }, { port: 80, nodePort: 30080 }] }))).toEqual([
      "spec.ports[0].name: Required value",
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[1].name: Required value",
      "spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    expect(errorsOf(kinds.serviceKind, svc({ type: "Magic", ports: [{ port: 80 }] }))).toEqual(['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']);
  });
  test("the cluster IP may not change once set", () => {
    const old = svc({ clusterIP: "10.43.0.10", ports: [{ port: 80 }] });
    expect(errorsOf(kinds.serviceKind, svc({ clusterIP: "10.43.0.11", ports: [{ port: 80 }] }), old)).toEqual(['spec.clusterIPs[0]: Invalid value: []string{"10.43.0.11"}: may not change once set']);
    expect(errorsOf(kinds.serviceKind, svc({ ports: [{ port: 8080 }] }), old)).toEqual([]);
  });
  test("immutable configmaps and secrets keep their data", () => {
    const cm = (data: object, immutable?: boolean) => ({ metadata: { name: "c", namespace: "default" }, data, immutable });
    expect(errorsOf(kinds.configMapKind, cm({ a: "2" }, true), cm({ a: "1" }, true))).toEqual(["data: Forbidden: field is immutable when `immutable` is set"]);
    expect(errorsOf(kinds.configMapKind, cm({ a: "1" }, false), cm({ a: "1" }, true))).toEqual(["immutable: Forbidden: field is immutable when `immutable` is set"]);
    expect(errorsOf(kinds.configMapKind, cm({ a: "2" }), cm({ a: "1" }))).toEqual([]);
    const sec = (type: string, data: object) => ({ metadata: { name: "s", namespace: "default" }, type, data });
    expect(errorsOf(kinds.secretKind, sec("kubernetes.io/tls", { "tls.crt": "QQ==" }))).toEqual(["data[tls.key]: Required value"]);
    expect(errorsOf(kinds.secretKind, sec("Opaque", { a: "QQ==" }), sec("kubernetes.io/tls", { "tls.crt": "QQ==", "tls.key": "QQ==" }))).toEqual(['type: Invalid value: "Opaque": field is immutable']);
    expect(errorsOf(kinds.configMapKind, cm({ "bad/key": "x" }))[0]).toStartWith('data[bad/key]: Invalid value: "bad/key": a valid config key');
  });
});
