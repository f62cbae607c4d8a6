// Every integer field holds what its upstream Go type holds (int32 or int64): larger
// values, fractions and 1e300 answer 422 Invalid on create, update, patch and /scale,
// and nothing is stored.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as k8s from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { rejection } from "../support/rejection.ts";

let server: TestServer;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

beforeAll(async () => {
  server = await startTestServer();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  await apps.createNamespacedDeployment({ namespace: "default", body: deployment("keep", 2) });
});
afterAll(() => server.cleanup());

function deployment(name: string, replicas: number): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
  };
}

const mergePatch = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const replicasOfKeep = async () => (await apps.readNamespacedDeployment({ name: "keep", namespace: "default" })).spec!.replicas;

describe("int32 spec.replicas", () => {
  for (const [label, value, detail] of [
    ["10^12", 1_000_000_000_000, "Invalid value: 1000000000000: must be less than or equal to 2147483647"],
    ["2^31", 2 ** 31, "Invalid value: 2147483648: must be less than or equal to 2147483647"],
    ["1e300", 1e300, "Invalid value: 1e+300: must be less than or equal to 2147483647"],
  ] as const) {
    test(`create with ${label} is 422 Invalid naming the field and the bound`, async () => {
      const { code, status } = await rejection(apps.createNamespacedDeployment({ namespace: "default", body: deployment("huge", value) }));
      expect(code).toBe(422);
      expect(status.reason).toBe("Invalid");
      expect(status.message).toBe(`Deployment.apps "huge" is invalid: spec.replicas: ${detail}`);
      expect(status.details.causes).toEqual([{ reason: "FieldValueInvalid", field: "spec.replicas", message: detail }]);
      expect(await code404(apps.readNamespacedDeployment({ name: "huge", namespace: "default" }))).toBe(404);
    });
  }

  test("2147483647 itself is accepted", async () => {
    const d = await apps.createNamespacedDeployment({ namespace: "default", body: deployment("max", 2147483647) });
    expect(d.spec!.replicas).toBe(2147483647);
    await apps.deleteNamespacedDeployment({ name: "max", namespace: "default" });
  });

  test("a fraction is not an integer", async () => {
    const r = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments", { method: "POST", body: JSON.stringify(deployment("frac", 1.5)) });
    // 400 when refused while decoding (as upstream's json decoder does), 422 when refused by validation.
    expect([400, 422]).toContain(r.status);
    expect(((await r.json()) as any).message).toContain("spec.replicas");
    expect(await code404(apps.readNamespacedDeployment({ name: "frac", namespace: "default" }))).toBe(404);
  });

  test("update, merge patch, strategic patch and apply are checked too", async () => {
    const d = await apps.readNamespacedDeployment({ name: "keep", namespace: "default" });
    d.spec!.replicas = 2 ** 40;
    expect((await rejection(apps.replaceNamespacedDeployment({ name: "keep", namespace: "default", body: d }))).code).toBe(422);
    expect((await rejection(apps.patchNamespacedDeployment({ name: "keep", namespace: "default", body: { spec: { replicas: 1e12 } } }, mergePatch))).code).toBe(422);
    const smp = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments/keep", { method: "PATCH", headers: { "content-type": "application/strategic-merge-patch+json" }, body: '{"spec":{"replicas":1e300}}' });
    expect(smp.status).toBe(422);
    const apply = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments/keep?fieldManager=t&force=true", {
      method: "PATCH",
      headers: { "content-type": "application/apply-patch+yaml" },
      body: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: keep}\nspec: {replicas: 4294967296}\n",
    });
    expect(apply.status).toBe(422);
    expect(await replicasOfKeep()).toBe(2);
  });

  test("/scale by patch and by update", async () => {
    const { code, status } = await rejection(apps.patchNamespacedDeploymentScale({ name: "keep", namespace: "default", body: { spec: { replicas: 1_000_000_000_000 } } }, mergePatch));
    expect(code).toBe(422);
    expect(status.message).toBe('Scale.autoscaling "keep" is invalid: spec.replicas: Invalid value: 1000000000000: must be less than or equal to 2147483647');
    const scale = await apps.readNamespacedDeploymentScale({ name: "keep", namespace: "default" });
    scale.spec!.replicas = 2 ** 31;
    expect((await rejection(apps.replaceNamespacedDeploymentScale({ name: "keep", namespace: "default", body: scale }))).code).toBe(422);
    const raw = await apiFetch(server, "/apis/apps/v1/namespaces/default/deployments/keep/scale", { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: '{"spec":{"replicas":1e300}}' });
    expect(raw.status).toBe(422);
    expect(await replicasOfKeep()).toBe(2);
  });

  test("negative replicas are refused as before", async () => {
    const { code, status } = await rejection(apps.createNamespacedDeployment({ namespace: "default", body: deployment("neg", -1) }));
    expect(code).toBe(422);
    expect(status.message).toContain("spec.replicas: Invalid value: -1: must be greater than or equal to 0");
  });
});

describe("other integer fields, of every kind", () => {
  test("int32 container ports and service ports", async () => {
    const pod = { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 2 ** 32 }] }] } };
    const { code, status } = await rejection(core.createNamespacedPod({ namespace: "default", body: pod }));
    expect(code).toBe(422);
    expect(status.message).toContain("spec.containers[0].ports[0].containerPort: Invalid value: 4294967296: must be less than or equal to 2147483647");
    const svc = { metadata: { name: "s" }, spec: { ports: [{ port: -(2 ** 31) - 1 }] } };
    const r = await rejection(core.createNamespacedService({ namespace: "default", body: svc }));
    expect(r.code).toBe(422);
    expect(r.status.message).toContain("spec.ports[0].port: Invalid value: -2147483649: must be greater than or equal to -2147483648");
  });

  test("int64 fields take more than int32 but not 1e300", async () => {
    const pod = (grace: number) => ({ metadata: { name: `g${String(grace).length}` }, spec: { terminationGracePeriodSeconds: grace, containers: [{ name: "c", image: "busybox" }] } });
    const ok = await core.createNamespacedPod({ namespace: "default", body: pod(2 ** 40) });
    expect(ok.spec!.terminationGracePeriodSeconds).toBe(2 ** 40);
    const { code, status } = await rejection(core.createNamespacedPod({ namespace: "default", body: pod(1e300) }));
    expect(code).toBe(422);
    expect(status.message).toContain("spec.terminationGracePeriodSeconds: Invalid value: 1e+300: must be less than or equal to 9223372036854775807");
  });

  test("an int-or-string holds an int32", async () => {
    const svc = { metadata: { name: "t" }, spec: { ports: [{ port: 80, targetPort: 2 ** 31 }] } };
    const { code, status } = await rejection(core.createNamespacedService({ namespace: "default", body: svc as k8s.V1Service }));
    expect(code).toBe(422);
    expect(status.message).toContain("spec.ports[0].targetPort: Invalid value: 2147483648: must be less than or equal to 2147483647");
  });
});

async function code404(p: Promise<unknown>) {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { code: number }).code;
  }
}
