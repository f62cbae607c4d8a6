// Strategic merge patch: the bodies kubectl sends (apply, set image, cordon, edit) and
// the directives of k8s.io/apimachinery/pkg/util/strategicpatch.
import { describe, expect, test } from "bun:test";
import { applyStrategicMergePatch, PatchError } from "../../../src/api/patch/index.ts";

const DEPLOYMENT = { group: "apps", version: "v1", kind: "Deployment" };
const POD = { group: "", version: "v1", kind: "Pod" };
const SERVICE = { group: "", version: "v1", kind: "Service" };
const NODE = { group: "", version: "v1", kind: "Node" };
const CONFIGMAP = { group: "", version: "v1", kind: "ConfigMap" };

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

function deployment(containers: Record<string, unknown>[]) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers } } },
  };
}

function pod(spec: Record<string, unknown>, status?: Record<string, unknown>) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec, ...(status ? { status } : {}) };
}

const containersOf = (obj: Record<string, unknown>) => ((obj.spec as any).template.spec.containers as Record<string, unknown>[]);

function patchError(f: () => unknown): PatchError {
  try {
    f();
  } catch (e) {
    if (e instanceof PatchError) return e;
    throw e;
  }
  throw new Error("expected a PatchError");
}

describe("kubectl bodies", () => {
  test("client-side apply: replicas, image and last-applied annotation with $setElementOrder", () => {
    const live = deployment([{ name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] }]);
    const body = {
      metadata: { annotations: { [LAST_APPLIED]: '{"apiVersion":"apps/v1"}' } },
      spec: { replicas: 3, template: { spec: { "$setElementOrder/containers": [{ name: "nginx" }], containers: [{ image: "nginx:1.26", name: "nginx" }] } } },
    };
    const out = applyStrategicMergePatch(live, body, DEPLOYMENT);
    expect((out.spec as any).replicas).toBe(3);
    expect(containersOf(out)).toEqual([{ name: "nginx", image: "nginx:1.26", ports: [{ containerPort: 80 }] }]);
    expect((out.metadata as any).annotations).toEqual({ [LAST_APPLIED]: '{"apiVersion":"apps/v1"}' });
    expect((out.metadata as any).labels).toEqual({ app: "web" });
  });

  test("set image keeps the other containers and their order", () => {
    const live = deployment([
      { name: "web", image: "web:1" },
      { name: "side", image: "side:1" },
    ]);
    const body = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }, { name: "side" }], containers: [{ image: "web:2", name: "web" }] } } } };
    expect(containersOf(applyStrategicMergePatch(live, body, DEPLOYMENT))).toEqual([
      { name: "web", image: "web:2" },
      { name: "side", image: "side:1" },
    ]);
  });

  test("apply that adds a container in the middle follows $setElementOrder", () => {
    const live = deployment([{ name: "a" }, { name: "b" }]);
    const body = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "new" }, { name: "b" }], containers: [{ name: "new", image: "x" }] } } } };
    expect(containersOf(applyStrategicMergePatch(live, body, DEPLOYMENT)).map((c) => c.name)).toEqual(["a", "new", "b"]);
  });

  test("apply that removes a container sends $patch: delete", () => {
    const live = deployment([{ name: "web" }, { name: "side" }]);
    const body = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }], containers: [{ $patch: "delete", name: "side" }] } } } };
    expect(containersOf(applyStrategicMergePatch(live, body, DEPLOYMENT))).toEqual([{ name: "web" }]);
  });

  test("cordon and uncordon", () => {
    const node = { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" }, spec: { podCIDR: "10.0.0.0/24" } };
    const cordoned = applyStrategicMergePatch(node, { spec: { unschedulable: true } }, NODE);
    expect(cordoned.spec).toEqual({ podCIDR: "10.0.0.0/24", unschedulable: true });
    expect(applyStrategicMergePatch(cordoned, { spec: { unschedulable: null } }, NODE).spec).toEqual({ podCIDR: "10.0.0.0/24" });
  });

  test("edit: env by name, ports by containerPort, volumeMounts by mountPath", () => {
    const live = pod({
      containers: [
        {
          name: "web",
          env: [
            { name: "A", value: "1" },
            { name: "B", value: "2" },
          ],
          ports: [
            { containerPort: 80, name: "http" },
            { containerPort: 443, name: "https" },
          ],
          volumeMounts: [
            { mountPath: "/data", name: "data" },
            { mountPath: "/cache", name: "cache" },
          ],
        },
      ],
    });
    const body = {
      spec: {
        containers: [
          {
            name: "web",
            "$setElementOrder/env": [{ name: "A" }, { name: "B" }],
            env: [{ name: "B", value: "3" }],
            "$setElementOrder/ports": [{ containerPort: 80 }, { containerPort: 443 }],
            ports: [{ containerPort: 443, hostPort: 8443 }],
            volumeMounts: [{ mountPath: "/cache", readOnly: true }],
          },
        ],
      },
    };
    const c = (applyStrategicMergePatch(live, body, POD).spec as any).containers[0];
    expect(c.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "3" },
    ]);
    expect(c.ports).toEqual([
      { containerPort: 80, name: "http" },
      { containerPort: 443, name: "https", hostPort: 8443 },
    ]);
    expect(c.volumeMounts).toEqual([
      { mountPath: "/data", name: "data" },
      { mountPath: "/cache", name: "cache", readOnly: true },
    ]);
  });
});

describe("list strategies per kind", () => {
  test("Service ports merge by port", () => {
    const svc = { metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: 8080, name: "http" }, { port: 443, name: "https" }] } };
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, SERVICE);
    expect((out.spec as any).ports).toEqual([{ port: 80, targetPort: 9090, name: "http" }, { port: 443, name: "https" }]);
  });

  test("tolerations are replaced (atomic upstream)", () => {
    const out = applyStrategicMergePatch(pod({ tolerations: [{ key: "a", operator: "Exists" }] }), { spec: { tolerations: [{ key: "b", operator: "Exists" }] } }, POD);
    expect((out.spec as any).tolerations).toEqual([{ key: "b", operator: "Exists" }]);
  });

  test("node taints are replaced (atomic upstream)", () => {
    const node = { metadata: { name: "n" }, spec: { taints: [{ key: "a", effect: "NoSchedule" }] } };
    const out = applyStrategicMergePatch(node, { spec: { taints: [{ key: "b", effect: "NoExecute" }] } }, NODE);
    expect((out.spec as any).taints).toEqual([{ key: "b", effect: "NoExecute" }]);
  });

  test("pod conditions merge by type", () => {
    const live = pod({}, { conditions: [{ type: "Ready", status: "False" }, { type: "PodScheduled", status: "True" }] });
    const out = applyStrategicMergePatch(live, { status: { conditions: [{ type: "Ready", status: "True" }] } }, POD);
    expect((out.status as any).conditions).toEqual([{ type: "Ready", status: "True" }, { type: "PodScheduled", status: "True" }]);
  });

  test("ownerReferences merge by uid", () => {
    const live = { metadata: { name: "x", ownerReferences: [{ uid: "1", name: "a", kind: "ReplicaSet" }] } };
    const out = applyStrategicMergePatch(live, { metadata: { ownerReferences: [{ uid: "2", name: "b", kind: "ReplicaSet" }] } }, POD);
    expect((out.metadata as any).ownerReferences.map((o: any) => o.uid).sort()).toEqual(["1", "2"]);
  });

  test("finalizers merge as a set, in server order", () => {
    const live = { metadata: { name: "x", finalizers: ["a", "b"] } };
    const out = applyStrategicMergePatch(live, { metadata: { finalizers: ["b", "c"] } }, CONFIGMAP);
    expect((out.metadata as any).finalizers).toEqual(["a", "b", "c"]);
  });

  test("lists of kinds without a strategy are replaced", () => {
    const cm = { metadata: { name: "x" }, data: { a: "1" }, extra: [1, 2] };
    expect(applyStrategicMergePatch(cm, { extra: [3] }, CONFIGMAP).extra).toEqual([3]);
    const unknownKind = { group: "example.com", version: "v1", kind: "Widget" };
    expect(applyStrategicMergePatch({ spec: { items: [{ name: "a" }] } }, { spec: { items: [{ name: "b" }] } }, unknownKind).spec).toEqual({ items: [{ name: "b" }] });
  });

  test("imagePullSecrets and initContainers merge by name", () => {
    const live = pod({ initContainers: [{ name: "init", image: "i:1" }], imagePullSecrets: [{ name: "a" }] });
    const out = applyStrategicMergePatch(live, { spec: { initContainers: [{ name: "init", image: "i:2" }], imagePullSecrets: [{ name: "b" }] } }, POD);
    expect((out.spec as any).initContainers).toEqual([{ name: "init", image: "i:2" }]);
    expect((out.spec as any).imagePullSecrets.map((s: any) => s.name).sort()).toEqual(["a", "b"]);
  });

  test("a new element without $setElementOrder goes first, as upstream orders it", () => {
    const out = applyStrategicMergePatch(pod({ containers: [{ name: "a" }, { name: "b" }] }), { spec: { containers: [{ name: "c" }] } }, POD);
    expect((out.spec as any).containers.map((c: any) => c.name)).toEqual(["c", "a", "b"]);
  });
});

describe("directives", () => {
  test("null deletes a key", () => {
    const out = applyStrategicMergePatch({ metadata: { name: "x", labels: { a: "1", b: "2" } } }, { metadata: { labels: { a: null } } }, POD);
    expect(out.metadata).toEqual({ name: "x", labels: { b: "2" } });
  });

  test("$patch: replace on a map", () => {
    const out = applyStrategicMergePatch({ metadata: { name: "x", labels: { a: "1", b: "2" } } }, { metadata: { labels: { $patch: "replace", c: "3" } } }, POD);
    expect((out.metadata as any).labels).toEqual({ c: "3" });
  });

  test("$patch: delete on a map", () => {
    const out = applyStrategicMergePatch({ metadata: { name: "x", annotations: { a: "1" } } }, { metadata: { annotations: { $patch: "delete" } } }, POD);
    expect((out.metadata as any).annotations).toEqual({});
  });

  test("$patch: merge on a map is the default behaviour", () => {
    const out = applyStrategicMergePatch({ metadata: { labels: { a: "1" } } }, { metadata: { labels: { $patch: "merge", b: "2" } } }, POD);
    expect((out.metadata as any).labels).toEqual({ a: "1", b: "2" });
  });

  test("$patch: delete in a list element removes it by merge key", () => {
    const out = applyStrategicMergePatch(pod({ containers: [{ name: "a" }, { name: "b" }] }), { spec: { containers: [{ name: "a", $patch: "delete" }] } }, POD);
    expect((out.spec as any).containers).toEqual([{ name: "b" }]);
  });

  test("$patch: replace in a list element replaces the whole list", () => {
    const out = applyStrategicMergePatch(pod({ containers: [{ name: "a" }, { name: "b" }] }), { spec: { containers: [{ name: "c", image: "x" }, { $patch: "replace" }] } }, POD);
    expect((out.spec as any).containers).toEqual([{ name: "c", image: "x" }]);
  });

  test("$patch: merge in a list element is refused as upstream does", () => {
    const e = patchError(() => applyStrategicMergePatch(pod({ containers: [{ name: "a" }] }), { spec: { containers: [{ $patch: "merge" }] } }, POD));
    expect(e.message).toContain("merging lists cannot yet be specified");
  });

  test("unknown $patch value is a 400", () => {
    expect(patchError(() => applyStrategicMergePatch({ metadata: {} }, { metadata: { $patch: "explode" } }, POD)).code).toBe(400);
    expect(patchError(() => applyStrategicMergePatch(pod({ containers: [{ name: "a" }] }), { spec: { containers: [{ name: "a", $patch: "explode" }] } }, POD)).code).toBe(400);
  });

  test("$retainKeys switches a volume's source", () => {
    const live = pod({ volumes: [{ name: "v", hostPath: { path: "/x" } }, { name: "w", emptyDir: {} }] });
    const out = applyStrategicMergePatch(live, { spec: { volumes: [{ name: "v", emptyDir: {}, $retainKeys: ["emptyDir", "name"] }] } }, POD);
    expect((out.spec as any).volumes).toEqual([{ name: "v", emptyDir: {} }, { name: "w", emptyDir: {} }]);
  });

  test("$retainKeys switches a Deployment's strategy to Recreate", () => {
    const live = { ...deployment([{ name: "a" }]), spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } };
    const out = applyStrategicMergePatch(live, { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } }, DEPLOYMENT);
    expect((out.spec as any).strategy).toEqual({ type: "Recreate" });
  });

  test("$retainKeys errors: not a list (400), patch key outside the list (422)", () => {
    expect(patchError(() => applyStrategicMergePatch({ spec: {} }, { spec: { strategy: { $retainKeys: "type" } } }, DEPLOYMENT)).code).toBe(400);
    const e = patchError(() => applyStrategicMergePatch({ spec: {} }, { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }, DEPLOYMENT));
    expect(e.code).toBe(422);
    expect(e.message).toBe("patch content doesn't match retainKeys list");
  });

  test("$deleteFromPrimitiveList removes values", () => {
    const live = { metadata: { name: "x", finalizers: ["a", "b", "c", "b"] } };
    const out = applyStrategicMergePatch(live, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } }, POD);
    expect((out.metadata as any).finalizers).toEqual(["a", "c"]);
  });

  test("$deleteFromPrimitiveList with a non-list is a 400", () => {
    expect(patchError(() => applyStrategicMergePatch({ metadata: { finalizers: ["a"] } }, { metadata: { "$deleteFromPrimitiveList/finalizers": "a" } }, POD)).code).toBe(400);
  });

  test("$setElementOrder alone reorders a primitive list", () => {
    const out = applyStrategicMergePatch({ metadata: { finalizers: ["a", "b", "c"] } }, { metadata: { "$setElementOrder/finalizers": ["c", "a", "b"] } }, POD);
    expect((out.metadata as any).finalizers).toEqual(["c", "a", "b"]);
  });

  test("$setElementOrder with a deletion and an addition of primitives", () => {
    const out = applyStrategicMergePatch(
      { metadata: { finalizers: ["a", "b", "c"] } },
      { metadata: { "$setElementOrder/finalizers": ["a", "d", "c"], "$deleteFromPrimitiveList/finalizers": ["b"], finalizers: ["d"] } },
      POD,
    );
    expect((out.metadata as any).finalizers).toEqual(["a", "d", "c"]);
  });

  test("$setElementOrder that contradicts the patch list is a 400", () => {
    const body = { spec: { "$setElementOrder/containers": [{ name: "a" }, { name: "b" }], containers: [{ name: "b" }, { name: "a" }] } };
    const e = patchError(() => applyStrategicMergePatch(pod({ containers: [{ name: "a" }, { name: "b" }] }), body, POD));
    expect(e.code).toBe(400);
    expect(e.message).toBe("invalid patch format of setElementOrder list");
  });

  test("$setElementOrder that is not a list is a 400", () => {
    expect(patchError(() => applyStrategicMergePatch(pod({}), { spec: { "$setElementOrder/containers": "a" } }, POD)).code).toBe(400);
  });

  test("an element without its merge key is a 422", () => {
    const e = patchError(() => applyStrategicMergePatch(pod({ containers: [{ name: "a" }] }), { spec: { containers: [{ image: "x" }] } }, POD));
    expect(e.code).toBe(422);
    expect(e.message).toContain("does not contain declared merge key: name");
  });

  test("lists of lists cannot merge", () => {
    const e = patchError(() => applyStrategicMergePatch({ metadata: { finalizers: [["a"]] } }, { metadata: { finalizers: [["b"]] } }, POD));
    expect(e.message).toBe("lists of lists are not supported");
  });

  test("directives inside new values are resolved, not stored", () => {
    const out = applyStrategicMergePatch(pod({}), { spec: { containers: [{ name: "a", "$setElementOrder/env": [{ name: "X" }], env: [{ name: "X", value: "1" }] }] } }, POD);
    expect((out.spec as any).containers).toEqual([{ name: "a", env: [{ name: "X", value: "1" }] }]);
  });

  test("a patch that is not an object is a 400, and inputs are never mutated", () => {
    expect(patchError(() => applyStrategicMergePatch({}, [1], POD)).code).toBe(400);
    const live = deployment([{ name: "web", image: "web:1" }]);
    const body = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }], containers: [{ name: "web", image: "web:2" }] } } } };
    const liveBefore = structuredClone(live);
    const bodyBefore = structuredClone(body);
    applyStrategicMergePatch(live, body, DEPLOYMENT);
    expect(live).toEqual(liveBefore);
    expect(body).toEqual(bodyBefore);
  });
});
