// StorageClass, PersistentVolume and PersistentVolumeClaim through the official client and
// real kubectl against a real server: the bootstrap default class, upstream's validation
// (422 with its field messages), immutability on update, defaults and kubectl columns.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { startTestServer, type TestServer } from "../support/server.ts";
import { rejection } from "../support/rejection.ts";
import { kubectlOk } from "../support/kubectl.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
let storage: k8s.StorageV1Api;

beforeAll(async () => {
  server = await startTestServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  storage = kc.makeApiClient(k8s.StorageV1Api);
});
afterAll(() => server.cleanup());

const causes = (status: any) => (status.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);
const pv = (name: string, spec: Partial<k8s.V1PersistentVolumeSpec>): k8s.V1PersistentVolume => ({ metadata: { name }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/srv/${name}` }, ...spec } });
const pvc = (name: string, spec: Partial<k8s.V1PersistentVolumeClaimSpec> = {}): k8s.V1PersistentVolumeClaim => ({ metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } });

describe("storage kinds", () => {
  test("the default class local-path exists from the first start", async () => {
    const sc = await storage.readStorageClass({ name: "local-path" });
    expect([sc.provisioner, sc.reclaimPolicy, sc.volumeBindingMode, sc.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"]]).toEqual(["skiff.io/local-path", "Delete", "WaitForFirstConsumer", "true"]);
    const out = await kubectlOk(server.kubeconfigPath, ["get", "sc"]);
    expect(out).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+skiff\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+\n$/);
  });

  test("volumes: defaults, columns, and 422 for a missing capacity, modes or source, two sources, a local volume without node affinity", async () => {
    const created = await core.createPersistentVolume({ body: pv("plain", { storageClassName: "manual" }) });
    expect([created.spec?.persistentVolumeReclaimPolicy, created.spec?.volumeMode, created.status?.phase]).toEqual(["Retain", "Filesystem", "Pending"]);
    const out = await kubectlOk(server.kubeconfigPath, ["get", "pv", "plain", "-o", "wide"]);
    expect(out).toMatch(/^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE\s+VOLUMEMODE\nplain\s+1Gi\s+RWO\s+Retain\s+Pending\s+manual\s+<unset>\s+\S+\s+Filesystem\n$/);

    const empty = await rejection(core.createPersistentVolume({ body: { metadata: { name: "empty" }, spec: {} } }));
    expect(empty.code).toBe(422);
    expect(causes(empty.status)).toEqual(["spec.accessModes: Required value: at least 1 access mode is required", "spec.capacity: Required value", "spec: Required value: must specify a volume type"]);
    const two = await rejection(core.createPersistentVolume({ body: pv("two", { local: { path: "/srv/x" }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "a", operator: "Exists" }] }] } } }) }));
    expect(causes(two.status)).toEqual(["spec.local: Forbidden: may not specify more than 1 volume type"]);
    const local = await rejection(core.createPersistentVolume({ body: pv("local", { hostPath: undefined, local: { path: "/srv/x" } }) }));
    expect(causes(local.status)).toEqual(["spec.nodeAffinity: Required value: Local volume requires node affinity"]);
    const bad = await rejection(core.createPersistentVolume({ body: pv("bad", { accessModes: ["ReadWriteSometimes"], capacity: { storage: "0" }, persistentVolumeReclaimPolicy: "Keep" }) }));
    expect(causes(bad.status)).toEqual([
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
    ]);
    // The source cannot change once made.
    const moved = await rejection(core.patchPersistentVolume({ name: "plain", body: { spec: { hostPath: { path: "/elsewhere" } } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)));
    expect(causes(moved.status)).toEqual(["spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation"]);
  });

  test("claims: defaults, columns, a missing request is 422, the spec is immutable but for requests", async () => {
    const created = await core.createNamespacedPersistentVolumeClaim({ namespace: "default", body: pvc("data", { storageClassName: "local-path" }) });
    expect([created.spec?.volumeMode, created.status?.phase]).toEqual(["Filesystem", "Pending"]);
    const out = await kubectlOk(server.kubeconfigPath, ["get", "pvc", "data"]);
    expect(out).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata\s+Pending\s+local-path\s+<unset>\s+\S+\n$/);

    const noRequest = await rejection(core.createNamespacedPersistentVolumeClaim({ namespace: "default", body: pvc("none", { resources: {} }) }));
    expect(noRequest.code).toBe(422);
    expect(causes(noRequest.status)).toEqual(["spec.resources[storage]: Required value"]);
    const modes = await rejection(core.patchNamespacedPersistentVolumeClaim({ name: "data", namespace: "default", body: { spec: { accessModes: ["ReadWriteMany"] } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)));
    expect(causes(modes.status)).toEqual(["spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"]);
    const grown = await core.patchNamespacedPersistentVolumeClaim({ name: "data", namespace: "default", body: { spec: { resources: { requests: { storage: "2Gi" } } } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
    expect(grown.spec?.resources?.requests?.storage).toBe("2Gi");
  });

  test("classes: provisioner required, binding mode and reclaim policy checked, provisioner immutable", async () => {
    const none = await rejection(storage.createStorageClass({ body: { metadata: { name: "none" } } as k8s.V1StorageClass }));
    expect(causes(none.status)).toEqual(["provisioner: Required value"]);
    const bad = await rejection(storage.createStorageClass({ body: { metadata: { name: "bad" }, provisioner: "x.io/p", volumeBindingMode: "Later", reclaimPolicy: "Recycle" } }));
    expect(causes(bad.status)).toEqual(['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"', 'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"']);
    const sc = await storage.createStorageClass({ body: { metadata: { name: "fast" }, provisioner: "x.io/p" } });
    expect([sc.reclaimPolicy, sc.volumeBindingMode]).toEqual(["Delete", "Immediate"]);
    const changed = await rejection(storage.patchStorageClass({ name: "fast", body: { provisioner: "y.io/p" } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)));
    expect(causes(changed.status)).toEqual(["provisioner: Forbidden: updates to provisioner are forbidden."]);
  });
});
