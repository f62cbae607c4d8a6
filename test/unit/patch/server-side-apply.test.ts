// Server-side apply and managed fields: create, no-op reapply, pruning, conflicts, force,
// shared ownership, and the Update bookkeeping of ordinary writes.
import { describe, expect, test } from "bun:test";
import { ApplyConflictError, PatchError, recordUpdate, serverSideApply, type ManagedFieldsEntry } from "../../../src/api/patch/index.ts";

type Obj = Record<string, unknown>;
const gvk = { group: "apps", version: "v1", kind: "Deployment" };
const cmGvk = { group: "", version: "v1", kind: "ConfigMap" };
const T0 = "2024-05-01T10:00:00Z";
const T1 = "2024-05-01T10:01:00Z";
const T2 = "2024-05-01T10:02:00Z";

function manifest(opts: { replicas?: number; image?: string; containers?: Obj[]; labels?: Record<string, string> } = {}): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: opts.containers ?? [{ name: "web", image: opts.image ?? "web:1" }] } },
    },
  };
}

const apply = (live: Obj | undefined, applied: Obj, manager: string, now = T1, force = false) => serverSideApply(live, applied, { manager, force, gvk, now });
const managed = (obj: Obj) => ((obj.metadata as Obj).managedFields ?? []) as ManagedFieldsEntry[];
const entry = (obj: Obj, manager: string) => managed(obj).find((m) => m.manager === manager);
const spec = (obj: Obj) => obj.spec as any;

/** A Deployment as the API server stores it after `kubectl apply` (client side) created it. */
function createdByClientSideApply(replicas = 1): Obj {
  const created = { ...manifest({ replicas }), metadata: { name: "web", namespace: "default", uid: "u1", resourceVersion: "5", creationTimestamp: T0 } };
  return recordUpdate(undefined, created, { manager: "kubectl-client-side-apply", gvk, now: T0 });
}

function conflictOf(f: () => unknown): ApplyConflictError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApplyConflictError) return e;
    throw e;
  }
  throw new Error("expected an ApplyConflictError");
}

describe("apply creates", () => {
  test("records exactly the applied fields in FieldsV1", () => {
    const applied = manifest({ replicas: 2, labels: { app: "web" }, containers: [{ name: "web", image: "web:1", ports: [{ containerPort: 80 }] }] });
    const out = apply(undefined, applied, "kubectl");
    expect(spec(out).replicas).toBe(2);
    expect((out.metadata as Obj).name).toBe("web");
    expect(managed(out)).toEqual([
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"web"}': { ".": {}, "f:image": {}, "f:name": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } },
                },
              },
            },
          },
        },
      },
    ]);
  });

  test("ignores status on the main resource", () => {
    const out = apply(undefined, { ...manifest(), status: { replicas: 9 } }, "kubectl");
    expect(out.status).toBeUndefined();
    expect(JSON.stringify(managed(out))).not.toContain("status");
  });

  test("refuses managedFields in the configuration", () => {
    const bad = { ...manifest(), metadata: { name: "web", managedFields: [{ manager: "x" }] } };
    let err: unknown;
    try {
      apply(undefined, bad, "kubectl");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchError);
    expect((err as PatchError).code).toBe(400);
  });

  test("refuses duplicate keys in an associative list", () => {
    expect(() => apply(undefined, manifest({ containers: [{ name: "a" }, { name: "a" }] }), "kubectl")).toThrow(PatchError);
  });

  test("never mutates its inputs", () => {
    const live = apply(undefined, manifest({ replicas: 1 }), "kubectl", T0);
    const applied = manifest({ replicas: 2 });
    const [liveBefore, appliedBefore] = [structuredClone(live), structuredClone(applied)];
    apply(live, applied, "kubectl");
    expect(live).toEqual(liveBefore);
    expect(applied).toEqual(appliedBefore);
  });
});

describe("apply updates", () => {
  test("a second identical apply by the same manager is a no-op", () => {
    const live: Obj = { ...apply(undefined, manifest({ replicas: 2 }), "kubectl", T0), status: { replicas: 2 } };
    (live.metadata as Obj).resourceVersion = "7";
    const again = apply(live, manifest({ replicas: 2 }), "kubectl", T2);
    expect(again).toEqual(live);
    expect(entry(again, "kubectl")!.time).toBe(T0);
  });

  test("keeps the live status and server metadata", () => {
    const live: Obj = { ...apply(undefined, manifest({ replicas: 1 }), "kubectl", T0), status: { replicas: 1 } };
    Object.assign(live.metadata as Obj, { uid: "u1", resourceVersion: "3", generation: 1 });
    const out = apply(live, { ...manifest({ replicas: 2 }), status: { replicas: 99 } }, "kubectl");
    expect(out.status).toEqual({ replicas: 1 });
    expect(out.metadata).toMatchObject({ name: "web", uid: "u1", resourceVersion: "3", generation: 1 });
    expect(spec(out).replicas).toBe(2);
    expect(entry(out, "kubectl")!.time).toBe(T1);
  });

  test("fields the manager stops applying are removed", () => {
    const live = apply(undefined, manifest({ replicas: 2, labels: { app: "web", tier: "fe" } }), "kubectl", T0);
    const out = apply(live, manifest({ labels: { app: "web" } }), "kubectl");
    expect(spec(out).replicas).toBeUndefined();
    expect((out.metadata as Obj).labels).toEqual({ app: "web" });
    expect((entry(out, "kubectl")!.fieldsV1 as any)["f:spec"]["f:replicas"]).toBeUndefined();
  });

  test("a container the manager stops applying is removed, another manager's stays", () => {
    let live = apply(undefined, manifest({ containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] }), "alice", T0);
    live = apply(live, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "c", image: "c:1" }] } } } }, "bob", T1);
    const out = apply(live, manifest({ containers: [{ name: "a", image: "a:1" }] }), "alice", T2);
    expect(spec(out).template.spec.containers.map((c: Obj) => c.name)).toEqual(["a", "c"]);
  });

  test("a container whose image another manager set keeps its name when the applier lets go", () => {
    let live = apply(undefined, manifest({ containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] }), "alice", T0);
    const edited = structuredClone(live);
    spec(edited).template.spec.containers[1].image = "b:2";
    live = recordUpdate(live, edited, { manager: "kubectl-set", gvk, now: T1 });
    const out = apply(live, manifest({ containers: [{ name: "a", image: "a:1" }] }), "alice", T2);
    expect(spec(out).template.spec.containers).toEqual([{ name: "a", image: "a:1" }, { name: "b", image: "b:2" }]);
  });

  test("port keys use the default protocol, so a defaulted live object reapplies as a no-op", () => {
    const applied = manifest({ containers: [{ name: "web", image: "web:1", ports: [{ containerPort: 80 }] }] });
    const live = apply(undefined, applied, "kubectl", T0);
    spec(live).template.spec.containers[0].ports[0].protocol = "TCP"; // as the server's defaulting leaves it
    expect(apply(live, applied, "kubectl", T2)).toEqual(live);
  });

  test("a field also owned by someone else is not removed", () => {
    let live = apply(undefined, manifest({ replicas: 2 }), "alice", T0);
    live = apply(live, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 2 } }, "bob", T1);
    const out = apply(live, manifest(), "alice", T2);
    expect(spec(out).replicas).toBe(2);
    expect(JSON.stringify(entry(out, "alice")!.fieldsV1)).not.toContain("f:replicas");
    expect((entry(out, "bob")!.fieldsV1 as any)["f:spec"]).toEqual({ "f:replicas": {} });
  });

  test("a field set by an ordinary update is not removed by the applier", () => {
    let live = apply(undefined, manifest({ replicas: 2 }), "kubectl", T0);
    const scaled = structuredClone(live);
    spec(scaled).replicas = 5;
    live = recordUpdate(live, scaled, { manager: "kubectl-scale", gvk, now: T1 });
    const out = apply(live, manifest(), "kubectl", T2);
    expect(spec(out).replicas).toBe(5);
  });
});

describe("conflicts", () => {
  test("with kubectl-client-side-apply on .spec.replicas, worded as upstream", () => {
    const live = createdByClientSideApply(1);
    const err = conflictOf(() => apply(live, manifest({ replicas: 3 }), "kubectl"));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(err.conflicts).toEqual([{ manager: "kubectl-client-side-apply", field: ".spec.replicas", message: 'conflict with "kubectl-client-side-apply" using apps/v1' }]);
  });

  test("the same value means shared ownership, no conflict", () => {
    const live = createdByClientSideApply(1);
    const out = apply(live, manifest({ replicas: 1 }), "kubectl");
    expect(spec(out).replicas).toBe(1);
    expect((entry(out, "kubectl")!.fieldsV1 as any)["f:spec"]["f:replicas"]).toEqual({});
    expect((entry(out, "kubectl-client-side-apply")!.fieldsV1 as any)["f:spec"]["f:replicas"]).toEqual({});
    expect(managed(out).map((m) => `${m.manager}/${m.operation}`)).toEqual(["kubectl/Apply", "kubectl-client-side-apply/Update"]);
  });

  test("force takes the field over", () => {
    const live = createdByClientSideApply(1);
    const out = apply(live, manifest({ replicas: 3 }), "kubectl", T1, true);
    expect(spec(out).replicas).toBe(3);
    expect((entry(out, "kubectl")!.fieldsV1 as any)["f:spec"]["f:replicas"]).toEqual({});
    expect((entry(out, "kubectl-client-side-apply")!.fieldsV1 as any)["f:spec"]["f:replicas"]).toBeUndefined();
  });

  test("between two appliers, naming the owner and the list item", () => {
    const live = apply(undefined, manifest({ image: "web:1" }), "alice", T0);
    const err = conflictOf(() => apply(live, manifest({ image: "web:2" }), "bob"));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "alice": .spec.template.spec.containers[name="web"].image');
  });

  test("several conflicts are listed per manager", () => {
    const live = createdByClientSideApply(1);
    const err = conflictOf(() => apply(live, manifest({ replicas: 3, image: "web:2" }), "kubectl"));
    expect(err.conflicts.map((c) => c.field)).toEqual([".spec.replicas", '.spec.template.spec.containers[name="web"].image']);
    expect(err.message).toBe(
      'Apply failed with 2 conflicts: conflict with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image',
    );
  });

  test("an object without managed fields belongs to before-first-apply", () => {
    const live = { ...manifest({ replicas: 1 }), metadata: { name: "web", namespace: "default" } };
    const err = conflictOf(() => apply(live, manifest({ replicas: 4 }), "kubectl"));
    expect(err.conflicts[0]).toMatchObject({ manager: "before-first-apply", field: ".spec.replicas" });
    expect(spec(apply(live, manifest({ replicas: 1 }), "kubectl")).replicas).toBe(1);
  });

  test("ConfigMap data keys, as the API tests exercise", () => {
    const applyCm = (live: Obj | undefined, data: Record<string, string>, manager: string, force = false) =>
      serverSideApply(live, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data }, { manager, force, gvk: cmGvk, now: T1 });
    const live = applyCm(undefined, { a: "1" }, "alice");
    expect(conflictOf(() => applyCm(live, { a: "2" }, "bob")).conflicts).toEqual([{ manager: "alice", field: ".data.a", message: 'conflict with "alice"' }]);
    const shared = applyCm(live, { a: "1", b: "x" }, "bob");
    const forced = applyCm(shared, { a: "2" }, "bob", true);
    expect(forced.data).toEqual({ a: "2" });
    expect(entry(forced, "alice")).toBeUndefined(); // alice owned only data.a and lost it
  });
});

describe("recordUpdate", () => {
  test("a create owns everything it set, with '.' on added maps", () => {
    const out = createdByClientSideApply(1);
    expect(managed(out)).toHaveLength(1);
    const e = managed(out)[0]!;
    expect(e).toMatchObject({ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", time: T0, fieldsType: "FieldsV1" });
    expect((e.fieldsV1 as any)["f:spec"]["f:template"]["f:metadata"]["f:labels"]).toEqual({ ".": {}, "f:app": {} });
    expect((e.fieldsV1 as any)["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']).toEqual({ ".": {}, "f:image": {}, "f:name": {} });
    expect((e.fieldsV1 as any)["f:metadata"]).toBeUndefined(); // name, namespace, uid… are the server's
  });

  test("an update takes over what it changed", () => {
    const live = createdByClientSideApply(1);
    const edited = structuredClone(live);
    spec(edited).template.spec.containers[0].image = "web:2";
    const out = recordUpdate(live, edited, { manager: "kubectl-edit", gvk, now: T1 });
    expect(entry(out, "kubectl-edit")!.fieldsV1).toEqual({ "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } } } });
    expect(JSON.stringify(entry(out, "kubectl-client-side-apply")!.fieldsV1)).not.toContain("f:image");
    expect(spec(out).template.spec.containers[0].image).toBe("web:2");
  });

  test("an update that changes nothing records nothing", () => {
    const live = createdByClientSideApply(1);
    const out = recordUpdate(live, structuredClone(live), { manager: "kubectl-edit", gvk, now: T1 });
    expect(managed(out)).toEqual(managed(live));
  });

  test("removed fields leave every owner", () => {
    const live = createdByClientSideApply(1);
    const next = structuredClone(live);
    delete spec(next).replicas;
    const out = recordUpdate(live, next, { manager: "kubectl-edit", gvk, now: T1 });
    expect(JSON.stringify(managed(out))).not.toContain("f:replicas");
    expect(entry(out, "kubectl-edit")).toBeUndefined();
  });

  test("managedFields: [] resets ownership", () => {
    const live = createdByClientSideApply(1);
    const next = structuredClone(live);
    (next.metadata as Obj).managedFields = [];
    expect((recordUpdate(live, next, { manager: "kubectl-patch", gvk, now: T1 }).metadata as Obj).managedFields).toBeUndefined();
  });

  test("a body without managedFields keeps the stored ones", () => {
    const live = createdByClientSideApply(1);
    const next = structuredClone(live);
    delete (next.metadata as Obj).managedFields;
    spec(next).replicas = 2;
    const out = recordUpdate(live, next, { manager: "kubectl-scale", gvk, now: T1 });
    expect(managed(out).map((m) => m.manager)).toEqual(["kubectl-client-side-apply", "kubectl-scale"]);
  });

  test("a status write is recorded against the status subresource only", () => {
    const live = createdByClientSideApply(1);
    const next = { ...structuredClone(live), status: { replicas: 1, conditions: [{ type: "Available", status: "True" }] } };
    const out = recordUpdate(live, next, { manager: "deployment-controller", gvk, now: T1, subresource: "status" });
    const e = entry(out, "deployment-controller")!;
    expect(e.subresource).toBe("status");
    expect(e.fieldsV1).toEqual({ "f:status": { "f:conditions": { ".": {}, 'k:{"type":"Available"}': { ".": {}, "f:status": {}, "f:type": {} } }, "f:replicas": {} } });
    // A later apply of the main resource neither touches nor conflicts on status.
    const applied = apply(out, manifest({ replicas: 1 }), "kubectl", T2);
    expect(applied.status).toEqual(next.status);
  });

  test("status changes in a main-resource write are not recorded", () => {
    const live = createdByClientSideApply(1);
    const next = { ...structuredClone(live), status: { replicas: 4 } };
    expect(JSON.stringify(managed(recordUpdate(live, next, { manager: "kubectl-edit", gvk, now: T1 })))).not.toContain("status");
  });
});
