// HorizontalPodAutoscaler served as autoscaling/v2 (stored, preferred) and autoscaling/v1,
// converted both ways: discovery, create/get/list/patch/watch through either version,
// defaults and validation, and kubectl's view (autoscale, get columns) against the server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AutoscalingV1Api, AutoscalingV2Api, KubeConfig } from "@kubernetes/client-node";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";
import { kubectl, kubectlOk, layerBinary } from "../support/kubectl.ts";

let server: TestServer;
let v1: AutoscalingV1Api;
let v2: AutoscalingV2Api;

beforeAll(async () => {
  server = await startTestServer();
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  v1 = kc.makeApiClient(AutoscalingV1Api);
  v2 = kc.makeApiClient(AutoscalingV2Api);
});
afterAll(() => server.cleanup());

const ref = { apiVersion: "apps/v1", kind: "Deployment", name: "web" };

describe("autoscaling/v2 and v1", () => {
  test("discovery lists both versions, v2 preferred, in the aggregated and legacy documents", async () => {
    const group = (await (await apiFetch(server, "/apis/autoscaling")).json()) as any;
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(["v2", "v1"]);
    expect(group.preferredVersion.version).toBe("v2");
    for (const v of ["v1", "v2"]) {
      const list = (await (await apiFetch(server, `/apis/autoscaling/${v}`)).json()) as any;
      expect(list.resources.map((r: { name: string }) => r.name)).toContain("horizontalpodautoscalers");
    }
    const agg = (await (await apiFetch(server, "/apis", { headers: { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList" } })).json()) as any;
    const autoscaling = agg.items.find((i: { metadata: { name: string } }) => i.metadata.name === "autoscaling");
    expect(autoscaling.versions.map((v: { version: string }) => v.version)).toEqual(["v2", "v1"]);
    expect(autoscaling.versions[0].resources[0]).toMatchObject({ resource: "horizontalpodautoscalers", shortNames: ["hpa"], categories: ["all"] });
  });

  test("created through v1, read through v2 with upstream's defaults; other metrics survive a v1 round trip", async () => {
    await v1.createNamespacedHorizontalPodAutoscaler({ namespace: "default", body: { metadata: { name: "one" }, spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 60 } } });
    const got = await v2.readNamespacedHorizontalPodAutoscaler({ namespace: "default", name: "one" });
    expect(got.apiVersion).toBe("autoscaling/v2");
    expect(got.spec).toMatchObject({ minReplicas: 1, maxReplicas: 5, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }] });

    await v2.createNamespacedHorizontalPodAutoscaler({
      namespace: "default",
      body: {
        metadata: { name: "two" },
        spec: {
          scaleTargetRef: ref,
          minReplicas: 2,
          maxReplicas: 8,
          metrics: [
            { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } },
            { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "64Mi" } } },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 30 } },
        },
      },
    });
    const asV1 = await v1.readNamespacedHorizontalPodAutoscaler({ namespace: "default", name: "two" });
    expect(asV1.apiVersion).toBe("autoscaling/v1");
    expect(asV1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 50 });
    expect(JSON.parse(asV1.metadata!.annotations!["autoscaling.alpha.kubernetes.io/metrics"]!)).toEqual([{ type: "Resource", resource: { name: "memory", targetAverageValue: "64Mi" } }]);
    // A v1 client writes back what it read: the v2 object keeps its memory metric and behavior.
    await v1.replaceNamespacedHorizontalPodAutoscaler({ namespace: "default", name: "two", body: { ...asV1, spec: { ...asV1.spec!, maxReplicas: 9 } } });
    const after = await v2.readNamespacedHorizontalPodAutoscaler({ namespace: "default", name: "two" });
    expect(after.spec!.maxReplicas).toBe(9);
    expect(after.spec!.metrics).toHaveLength(2);
    expect(after.spec!.behavior?.scaleDown).toMatchObject({ stabilizationWindowSeconds: 30, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] });
    expect(after.metadata!.annotations ?? {}).toEqual({});
  });

  test("a merge patch through v1 changes the v1 field; lists and watches come back in the version asked for", async () => {
    const res = await apiFetch(server, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/one", { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ spec: { targetCPUUtilizationPercentage: 70 } }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).spec.targetCPUUtilizationPercentage).toBe(70);
    expect((await v2.readNamespacedHorizontalPodAutoscaler({ namespace: "default", name: "one" })).spec!.metrics![0]!.resource!.target.averageUtilization).toBe(70);

    const list = (await (await apiFetch(server, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers")).json()) as any;
    expect(list.apiVersion).toBe("autoscaling/v1");
    expect(list.items.map((i: { apiVersion: string }) => i.apiVersion)).toEqual(["autoscaling/v1", "autoscaling/v1"]);

    const watch = await apiFetch(server, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers?watch=1&timeoutSeconds=1");
    const lines = (await watch.text()).split("\n").filter((l) => l.trim());
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(JSON.parse(l).object.apiVersion).toBe("autoscaling/v1");
  });

  test("invalid specs are 422 with upstream's wording, through either version", async () => {
    const bad = await apiFetch(server, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", {
      method: "POST",
      body: JSON.stringify({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "bad" }, spec: { scaleTargetRef: ref, minReplicas: 5, maxReplicas: 2 } }),
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).message).toContain("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`");
    const badV1 = await apiFetch(server, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", {
      method: "POST",
      body: JSON.stringify({ apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "bad" }, spec: { scaleTargetRef: { kind: "Deployment" }, maxReplicas: 0 } }),
    });
    expect(badV1.status).toBe(422);
    const body = (await badV1.json()) as any;
    expect(body.message).toContain("spec.scaleTargetRef.name: Required value");
    expect(body.message).toContain("spec.maxReplicas: Invalid value: 0: must be greater than 0");
    const missing = await apiFetch(server, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/nope", { method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: "{}" });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(await missing.json())).not.toContain("/work");
  });

  test("kubectl autoscale creates an HPA; kubectl get hpa shows upstream's columns", async () => {
    await kubectlOk(server.kubeconfigPath, ["create", "deployment", "api", "--image=busybox"]);
    const created = await kubectl(server.kubeconfigPath, ["autoscale", "deployment/api", "--cpu-percent=50", "--min=1", "--max=10", "-v=6"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("horizontalpodautoscaler.autoscaling/api autoscaled");
    const sentTo = /POST (\S+horizontalpodautoscalers)/.exec(created.stderr)?.[1] ?? "";
    console.log(`kubectl autoscale posted to ${sentTo.replace(/^https:\/\/[^/]+/, "")}`);
    const out = await kubectlOk(server.kubeconfigPath, ["get", "hpa", "api"]);
    const [header, row] = out.trim().split("\n");
    expect(header!.split(/\s{2,}/)).toEqual(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]);
    expect(row).toMatch(/^api\s+Deployment\/api\s+cpu: <unknown>\/50%\s+1\s+10\s+0\s+\d+s$/);
    const v1Out = await kubectlOk(server.kubeconfigPath, ["get", "horizontalpodautoscalers.v1.autoscaling", "api", "-o", "jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}"]);
    expect(v1Out).toBe("autoscaling/v1 50");
  });

  test("kubectl 1.33's autoscale posts autoscaling/v2 (1.32's posts v1): the same HPA either way", async () => {
    await kubectlOk(server.kubeconfigPath, ["create", "deployment", "api2", "--image=busybox"]);
    const proc = Bun.spawn([layerBinary("kubectl/kubectl"), "--kubeconfig", server.kubeconfigPath, "autoscale", "deployment/api2", "--cpu-percent=50", "--min=1", "--max=10", "-v=6"], { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(code).toBe(0);
    expect(stdout).toContain("horizontalpodautoscaler.autoscaling/api2 autoscaled");
    expect(stderr).toMatch(/verb="POST" url="[^"]+\/apis\/autoscaling\/v2\/namespaces\/default\/horizontalpodautoscalers/);
    // Everything but the target's name is the same as what 1.32 made for "api".
    const specOf = async (name: string) => {
      const { scaleTargetRef, ...rest } = (await v2.readNamespacedHorizontalPodAutoscaler({ namespace: "default", name })).spec!;
      return { ...rest, kind: scaleTargetRef.kind };
    };
    expect(await specOf("api2")).toEqual(await specOf("api"));
  });
});
