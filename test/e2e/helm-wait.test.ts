// Helm v4 against a real one-node cluster (real podman pods, in a network namespace of the
// test's own): `helm install --wait` with Helm's default watcher (watch-list streams ending in
// the k8s.io/initial-events-end bookmark) finishes for a chart carrying a Deployment, a
// Service, an IngressClass, an Ingress, a NetworkPolicy and a PodDisruptionBudget, and each
// object is served; post-install hooks (a Pod, then a Job, both exiting 0) let the install
// finish without --wait, with --wait and with --wait=legacy; `kubectl drain` of the node is
// held by the chart's PodDisruptionBudget, then drains once the budget allows it. The chart
// `helm create` makes (probes, its own ServiceAccount) installs with --wait too.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { layerBinary } from "../support/kubectl.ts";
import { tempDir } from "../support/server.ts";
import { HTTPD_IMAGE, httpdImageArchive, TEST_IMAGE_1 } from "../support/images.ts";
import { skiffCommand } from "../support/process.ts";

setDefaultTimeout(300_000);

const charts = join(import.meta.dir, "../fixtures/charts");
/** What `helm create` makes, as Helm v4 writes it. */
const scaffoldChart = join(import.meta.dir, "../fixtures/helm/scaffold/scaffold");
let c: TestCluster;
let helmHome = "";

beforeAll(async () => {
  c = await startCluster("helmwait");
  await eventually("a Ready node", async () => ((await c.k(["get", "nodes"])).match(/\sReady\s/) ? true : undefined), 120_000);
  helmHome = tempDir("skiff-helm-wait-");
}, 300_000);
afterAll(async () => {
  await c?.stop();
  if (helmHome) rmSync(helmHome, { recursive: true, force: true });
}, 120_000);

async function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const env = { ...process.env, KUBECONFIG: c.kubeconfig, HOME: helmHome, HELM_CACHE_HOME: join(helmHome, "cache"), HELM_CONFIG_HOME: join(helmHome, "config"), HELM_DATA_HOME: join(helmHome, "data") };
  const started = performance.now();
  const p = Bun.spawn([...c.netns.prefix, layerBinary("helm/helm"), ...args], { env, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => p.kill(), 280_000);
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr, seconds: (performance.now() - started) / 1000 };
}

describe("helm install --wait", () => {
  test("Helm's default watcher waits a chart with a Deployment, an Ingress and a PodDisruptionBudget to ready; each object is served", async () => {
    const r = await helm(["install", "web", join(charts, "edge-web"), "--set", `image=${TEST_IMAGE_1}`, "--wait", "--timeout", "3m"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("STATUS: deployed");
    // The watcher returned once the Deployment was available: both replicas are ready now.
    expect(await c.k(["get", "deploy", "web-web", "-o", "jsonpath={.status.readyReplicas}"])).toBe("2");
    expect(await c.k(["get", "ingress", "web-web", "--no-headers"])).toMatch(/^web-web\s+edge\s+web\.example\.com\s+80\s+\S+\n$/);
    expect(await c.k(["get", "ingressclass", "edge", "-o", "jsonpath={.spec.controller}"])).toBe("example.com/edge-ingress");
    expect(await c.k(["get", "networkpolicy", "web-web", "-o", "jsonpath={.spec.policyTypes}"])).toBe('["Ingress"]');
    const pdb = await eventually("the budget to count both ready pods", async () => {
      const out = await c.k(["get", "pdb", "web-web", "--no-headers"]);
      return /^web-web\s+1\s+N\/A\s+1\s+\S+\n$/.test(out) ? out : undefined;
    });
    expect(pdb).toMatch(/^web-web\s+1\s+N\/A\s+1\s/);
    const managed = JSON.parse(await c.k(["get", "ingress,networkpolicy,pdb", "-l", "app.kubernetes.io/managed-by!=nobody", "-o", "json"])).items.map((o: any) => `${o.kind}/${o.metadata.name}:${o.metadata.annotations?.["meta.helm.sh/release-name"]}`);
    expect(managed.sort()).toEqual(["Ingress/web-web:web", "NetworkPolicy/web-web:web", "PodDisruptionBudget/web-web:web"]);
  });

  for (const [release, flags] of [
    ["hooks-none", []],
    ["hooks-watch", ["--wait"]],
    ["hooks-legacy", ["--wait=legacy"]],
  ] as const) {
    test(`a Pod hook and a Job hook that exit 0 let helm install ${flags.join(" ") || "(no --wait)"} finish`, async () => {
      const r = await helm(["install", release, join(charts, "edge-hooks"), "--set", `image=${TEST_IMAGE_1}`, ...flags, "--timeout", "3m"]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      expect(r.stdout).toContain("STATUS: deployed");
      expect(await c.k(["get", "pod", `${release}-check`, "-o", "jsonpath={.status.phase}"])).toBe("Succeeded");
      expect(await c.k(["get", "job", `${release}-migrate`, "-o", "jsonpath={.status.succeeded}"])).toBe("1");
      expect(await c.k(["logs", `${release}-check`])).toBe("checked\n");
      console.log(`helm install ${flags.join(" ") || "(no --wait)"} with a Pod and a Job hook: ${r.seconds.toFixed(1)} s`);
    });
  }

  test("the `helm create` chart (liveness and readiness probes, a ServiceAccount of its own) installs with --wait; its pods run as that account with its token mounted", async () => {
    const imported = Bun.spawn([...c.netns.prefix, ...skiffCommand("source"), "images", "import", "--data-dir", c.serverDir, await httpdImageArchive()], { stdout: "pipe", stderr: "pipe" });
    expect(await imported.exited).toBe(0);
    const [repository, tag] = HTTPD_IMAGE.split(":") as [string, string];
    const r = await helm(["install", "scaffold", scaffoldChart, "--set", `image.repository=${repository},image.tag=${tag},image.pullPolicy=Never,replicaCount=2`, "--wait", "--timeout", "3m"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toContain("STATUS: deployed");
    expect(await c.k(["get", "deploy", "scaffold", "-o", "jsonpath={.status.readyReplicas}"])).toBe("2");
    const pod = JSON.parse(await c.k(["get", "pods", "-l", "app.kubernetes.io/instance=scaffold", "-o", "json"])).items[0];
    expect(pod.spec.serviceAccountName).toBe("scaffold");
    expect(pod.spec.containers[0].livenessProbe.httpGet.path).toBe("/");
    expect(await c.k(["exec", pod.metadata.name, "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"])).toBe("default");
    console.log(`helm install --wait of the helm create chart: ${r.seconds.toFixed(1)} s`);
  });

  test("kubectl drain evicts one web pod, then the chart's budget holds the other; once the budget allows it the node drains", async () => {
    const node = "helmwait-server";
    const web = ["--pod-selector=app.kubernetes.io/instance=web", "--ignore-daemonsets", "--grace-period=1"];
    const held = await c.kr(["drain", node, ...web, "--timeout=20s"]);
    expect(held.code).not.toBe(0);
    expect(held.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    // One pod went; its replacement cannot be placed on the cordoned node, so the budget has no room left.
    const status = await eventually("the budget to see one healthy pod", async () => {
      const s = JSON.parse(await c.k(["get", "pdb", "web-web", "-o", "jsonpath={.status}"]));
      return s.currentHealthy === 1 ? s : undefined;
    });
    expect(status).toMatchObject({ currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0, expectedPods: 2 });
    await c.k(["uncordon", node]);
    await eventually("both web pods ready again", async () => ((await c.k(["get", "deploy", "web-web", "-o", "jsonpath={.status.readyReplicas}"])) === "2" ? true : undefined), 120_000);

    const upgraded = await helm(["upgrade", "web", join(charts, "edge-web"), "--set", `image=${TEST_IMAGE_1}`, "--set", "pdb.minAvailable=0", "--wait", "--timeout", "2m"]);
    expect({ code: upgraded.code, stderr: upgraded.stderr }).toEqual({ code: 0, stderr: "" });
    await eventually("the budget to allow two disruptions", async () => ((await c.k(["get", "pdb", "web-web", "-o", "jsonpath={.status.disruptionsAllowed}"])) === "2" ? true : undefined));
    const drained = await c.kr(["drain", node, ...web, "--timeout=60s"]);
    expect({ code: drained.code, stderr: drained.code ? drained.stderr : "" }).toEqual({ code: 0, stderr: "" });
    expect(drained.stdout).toContain(`node/${node} drained`);
    await c.k(["uncordon", node]);
  });
});
