// HorizontalPodAutoscaler end to end: real podman pods burning CPU or holding memory, the
// server's pulled metrics, the HPA controller scaling a Deployment through its scale
// subresource, and real kubectl (autoscale, get, describe). Short periods for the test:
// --horizontal-pod-autoscaler-sync-period 5s, --metric-resolution 5s, and a 5 s
// scale-down window in `behavior`; the defaults stay 15 s and 300 s.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { eventually, startCluster, type TestCluster } from "../support/cluster.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { cgroupCountersOf, pidWithMarker } from "../support/cgroup-counters.ts";
import { BURNER, HOLDER, scriptDeployment } from "../support/hpa-workloads.ts";

setDefaultTimeout(180_000);

let c: TestCluster;
const SYNC_S = 5;

const deployment = scriptDeployment;
const getHpa = async (name: string) => JSON.parse(await c.k(["get", "hpa", name, "-o", "json"]));
const replicas = async (name: string) => JSON.parse(await c.k(["get", "deploy", name, "-o", "json"])).spec.replicas as number;
const condition = (h: any, type: string) => (h.status?.conditions ?? []).find((x: any) => x.type === type);
const firstPod = async (app: string) => eventually(`a running ${app} pod`, async () => {
  const pods = JSON.parse(await c.k(["get", "pods", "-l", `app=${app}`, "-o", "json"])).items;
  return pods.find((p: any) => p.status?.phase === "Running")?.metadata.name as string | undefined;
}, 90_000);

beforeAll(async () => {
  c = await startCluster("hpa", { serverArgs: ["--horizontal-pod-autoscaler-sync-period", `${SYNC_S}s`, "--metric-resolution", "5s"] });
  const probe = { apiVersion: "v1", kind: "Pod", metadata: { name: "probe" }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: TEST_IMAGE_1, command: ["sh", "-c", `${HOLDER.replace("sleep 3600", ":")} # hpa-window-probe`], resources: { limits: { cpu: "300m" } } }] } };
  const objects = [
    probe,
    deployment("burn", BURNER, { requests: { cpu: "100m" }, limits: { cpu: "200m" } }),
    deployment("mem", HOLDER, { requests: { memory: "16Mi" } }),
    deployment("noreq", "sleep 100000", {}),
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "mem" },
      spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "mem" }, minReplicas: 2, maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "10Mi" } } }] },
    },
  ];
  await c.k(["apply", "-f", "-"], objects.map((o) => JSON.stringify(o)).join("\n"));
  await c.k(["autoscale", "deployment/burn", "--cpu-percent=50", "--min=1", "--max=4"]);
  await c.k(["patch", "hpa", "burn", "--type=merge", "-p", JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 5, policies: [{ type: "Percent", value: 100, periodSeconds: 5 }] } } } })]);
  await c.k(["autoscale", "deployment/noreq", "--cpu-percent=50", "--min=1", "--max=3"]);
}, 180_000);
afterAll(async () => {
  await c?.stop();
}, 120_000);

describe("metrics the HPA reads", () => {
  test("a container's CPU and memory figures match its cgroup's own counters within 5 %", async () => {
    // Once the server has a figure for it, the container runs its own shell.
    await eventually("the probe's usage in metrics.k8s.io", async () => ((await c.kr(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/probe"])).code === 0 ? true : undefined), 90_000, 1000);
    const pid = await eventually("the probe's process", async () => pidWithMarker("sh", "hpa-window-probe"), 30_000);
    const counters = cgroupCountersOf(pid);
    // Its cgroup's own rate, over 20 s of the capped (steady) burn.
    const samples: { at: number; cpu: number }[] = [];
    for (let i = 0; i <= 20; i++) {
      samples.push({ at: Date.now(), cpu: counters.cpuSeconds() });
      await Bun.sleep(1000);
    }
    const cgroupCores = (samples.at(-1)!.cpu - samples[0]!.cpu) / ((samples.at(-1)!.at - samples[0]!.at) / 1000);
    const metrics = JSON.parse(await c.k(["get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/probe"]));
    const usage = metrics.containers[0].usage;
    const metricCores = Number(usage.cpu.replace(/n$/, "")) / 1e9;
    const metricBytes = Number(usage.memory.replace(/Ki$/, "")) * 1024;
    const cgroupBytes = counters.workingSetBytes();
    console.log(`probe: metrics.k8s.io ${metricCores.toFixed(4)} cores over ${metrics.window}, cgroup ${cgroupCores.toFixed(4)}; memory ${metricBytes} vs ${cgroupBytes} bytes`);
    expect(cgroupCores).toBeGreaterThan(0.1);
    expect(Math.abs(metricCores - cgroupCores) / cgroupCores).toBeLessThan(0.05);
    expect(Math.abs(metricBytes - cgroupBytes) / cgroupBytes).toBeLessThan(0.05);
    // kubectl top shows the same figure.
    const top = await c.k(["top", "pod", "probe", "--no-headers"]);
    expect(Math.abs(Number(/(\d+)m/.exec(top)![1]) / 1000 - metricCores)).toBeLessThan(0.01);
  });
});

describe("scaling", () => {
  test("CPU at 50 %: load raises replicas within two sync periods plus two metric readings, and they fall back to min once it stops", async () => {
    const pod = await firstPod("burn");
    // Settled at one replica with a figure for it before the load starts.
    await eventually("burn's HPA reporting a CPU figure", async () => ((await getHpa("burn")).status?.currentMetrics?.[0]?.resource?.current?.averageUtilization !== undefined ? true : undefined), 90_000);
    expect(await replicas("burn")).toBe(1);
    const started = Date.now();
    await c.k(["exec", pod, "--", "touch", "/tmp/burn"]);
    const scaled = await eventually("burn scaled up", async () => ((await replicas("burn")) > 1 ? await replicas("burn") : undefined), 90_000, 250);
    const reaction = (Date.now() - started) / 1000;
    console.log(`reaction: load start → scale-up write to ${scaled} replicas in ${reaction.toFixed(1)} s (sync ${SYNC_S} s, metric readings every ~10 s)`);
    expect(scaled).toBeLessThanOrEqual(4);
    // Two sync periods and two 15 s readings at most: a generous bound on a shared machine.
    expect(reaction).toBeLessThan(2 * SYNC_S + 2 * 15);
    const table = await c.k(["get", "hpa", "burn"]);
    expect(table).toMatch(/burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+4\s+\d/);
    const described = await c.k(["describe", "hpa", "burn"]);
    expect(described).toMatch(/resource cpu on pods\s+\(as a percentage of request\):\s+\d+% \(\d+m\) \/ 50%/);
    expect(described).toMatch(/AbleToScale\s+True/);
    expect(described).toMatch(/ScalingActive\s+True\s+ValidMetricFound/);
    expect(described).toMatch(/SuccessfulRescale\s+.*New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/);

    await c.k(["exec", pod, "--", "rm", "-f", "/tmp/burn"]);
    await eventually("burn back to 1 replica", async () => ((await replicas("burn")) === 1 ? true : undefined), 120_000, 500);
    const h = await getHpa("burn");
    expect(h.status.desiredReplicas).toBe(1);
    expect(h.status.lastScaleTime).toBeDefined();
    expect(await c.k(["describe", "hpa", "burn"])).toContain("reason: All metrics below target");
  });

  test("memory AverageValue: minReplicas is applied at once, maxReplicas caps the rise and ScalingLimited says so", async () => {
    const h = await eventually("mem limited at 3", async () => {
      const x = await getHpa("mem");
      return (await replicas("mem")) === 3 && condition(x, "ScalingLimited")?.reason === "TooManyReplicas" ? x : undefined;
    }, 120_000, 1000);
    expect(condition(h, "ScalingLimited").status).toBe("True");
    expect(h.status.currentMetrics[0].resource.current.averageValue).toBeDefined();
    const events = await c.k(["get", "events", "--field-selector", "involvedObject.name=mem,involvedObject.kind=HorizontalPodAutoscaler", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]);
    expect(events).toContain("New size: 2; reason: Current number of replicas below Spec.MinReplicas");
    expect(events).toMatch(/New size: 3; reason: memory resource above target/);
    expect(await replicas("mem")).toBe(3);
  });

  test("a target without requests: ScalingActive=False FailedGetResourceMetric; the target deleted: AbleToScale=False FailedGetScale", async () => {
    const h = await eventually("noreq's missing-request condition", async () => {
      const x = await getHpa("noreq");
      return condition(x, "ScalingActive")?.status === "False" ? x : undefined;
    }, 90_000, 1000);
    expect(condition(h, "ScalingActive").reason).toBe("FailedGetResourceMetric");
    expect(condition(h, "ScalingActive").message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: (missing request for cpu in container app of Pod noreq-|unable to get metrics|no metrics)/);
    await eventually("the missing request named", async () => (condition(await getHpa("noreq"), "ScalingActive")?.message.includes("missing request for cpu in container app of Pod noreq-") ? true : undefined), 60_000, 1000);
    expect(await c.k(["describe", "hpa", "noreq"])).toMatch(/FailedComputeMetricsReplicas\s+.*invalid metrics \(1 invalid out of 1\), first error is: failed to get cpu utilization: missing request for cpu/);

    await c.k(["delete", "deployment", "noreq"]);
    const gone = await eventually("noreq reporting the missing target", async () => {
      const x = await getHpa("noreq");
      return condition(x, "AbleToScale")?.status === "False" ? x : undefined;
    }, 60_000, 1000);
    expect(condition(gone, "AbleToScale")).toMatchObject({ reason: "FailedGetScale", message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "noreq" not found' });
  });
});
