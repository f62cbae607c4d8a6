import { describe, expect, test } from "bun:test";
import { Registry } from "prom-client";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { AvailabilityTracker } from "../../../src/server/metrics/availability.ts";
import { isDeploymentUp, minimumAvailable, servicesWithReadyEndpoints } from "../../../src/server/metrics/availability-rules.ts";
import { RESOURCES, staticSource } from "../../../src/server/metrics/object-source.ts";

const node = (name: string, ready: string): KubeObject => ({ metadata: { name, uid: `uid-${name}` }, status: { conditions: [{ type: "Ready", status: ready }] } });
const deployment = (name: string, replicas: number, available: number, extra: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { replicas, ...extra },
  status: { availableReplicas: available },
});

function setup(objects: Record<string, KubeObject[]>) {
  let clock = 1_000_000;
  const registry = new Registry();
  const tracker = new AvailabilityTracker({ source: staticSource(objects), registers: [registry], now: () => clock });
  return { registry, tracker, advance: (ms: number) => ((clock += ms), tracker.tick()) };
}

async function sample(registry: Registry, metric: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = await registry.getSingleMetric(metric)!.get();
  return m.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe("availability rules", () => {
  test("Deployment minimum follows upstream's maxUnavailable (25% rounded down by default)", () => {
    expect(minimumAvailable(deployment("a", 4, 0))).toBe(3);
    expect(minimumAvailable(deployment("a", 3, 0))).toBe(3); // 25% of 3 rounds down to 0
    expect(minimumAvailable(deployment("a", 10, 0, { strategy: { rollingUpdate: { maxUnavailable: 2 } } }))).toBe(8);
    expect(minimumAvailable(deployment("a", 10, 0, { strategy: { rollingUpdate: { maxUnavailable: "50%" } } }))).toBe(5);
    // Recreate has no slack: every replica must be available.
    expect(minimumAvailable(deployment("a", 4, 0, { strategy: { type: "Recreate" } }))).toBe(4);
    // maxSurge and maxUnavailable both 0 resolve to one unavailable, as upstream.
    expect(minimumAvailable(deployment("a", 2, 0, { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }))).toBe(1);
    expect(isDeploymentUp(deployment("a", 4, 3))).toBe(true);
    expect(isDeploymentUp(deployment("a", 4, 2))).toBe(false);
    expect(isDeploymentUp(deployment("a", 0, 0))).toBe(true);
  });

  test("a Service is up with one ready address in its Endpoints or its EndpointSlices", () => {
    const ep = (name: string, addresses: unknown[]): KubeObject => ({ metadata: { name, namespace: "ns" }, subsets: [{ addresses, notReadyAddresses: [{ ip: "10.0.0.9" }] }] });
    const slice = (name: string, service: string, ready: boolean | null | undefined): KubeObject => ({
      metadata: { name, namespace: "ns", labels: { "kubernetes.io/service-name": service } },
      endpoints: [{ addresses: ["10.0.0.1"], conditions: ready === undefined ? {} : { ready } }],
    });
    const ready = servicesWithReadyEndpoints([ep("a", [{ ip: "10.0.0.1" }]), ep("b", [])], [slice("c-1", "c", true), slice("d-1", "d", false), slice("e-1", "e", undefined), slice("f-1", "f", null)]);
    expect([...ready].sort()).toEqual(["ns/a", "ns/c", "ns/e", "ns/f"]);
  });
});

describe("availability accounting with a fake clock", () => {
  test("up and observed seconds accrue per tick; the ratio follows", async () => {
    const n1 = node("n1", "True");
    const n2 = node("n2", "Unknown");
    const { registry, tracker, advance } = setup({ [RESOURCES.nodes]: [n1, n2] });
    tracker.tick();
    // Newly seen objects start at zero, with their series present.
    expect(await sample(registry, "skiff_availability_observed_seconds_total", { kind: "Node", name: "n2" })).toBe(0);
    for (let i = 0; i < 10; i++) advance(1000);
    expect(tracker.state("Node", "", "n1")).toEqual({ up: true, upSeconds: 10, observedSeconds: 10, ratio: 1 });
    expect(tracker.state("Node", "", "n2")).toEqual({ up: false, upSeconds: 0, observedSeconds: 10, ratio: 0 });

    // n1 loses Ready for 5 s out of the next 10.
    (n1.status as { conditions: { status: string }[] }).conditions[0]!.status = "False";
    for (let i = 0; i < 5; i++) advance(1000);
    (n1.status as { conditions: { status: string }[] }).conditions[0]!.status = "True";
    for (let i = 0; i < 5; i++) advance(1000);
    expect(tracker.state("Node", "", "n1")).toMatchObject({ upSeconds: 15, observedSeconds: 20, ratio: 0.75 });
    expect(await sample(registry, "skiff_availability_up_seconds_total", { kind: "Node", name: "n1" })).toBe(15);
    expect(await sample(registry, "skiff_availability_observed_seconds_total", { kind: "Node", name: "n1" })).toBe(20);
    expect(await sample(registry, "skiff_availability_ratio", { kind: "Node", name: "n1" })).toBe(0.75);
  });

  test("a stalled tick credits the real elapsed time, so downtime is not lost", () => {
    const d = deployment("web", 2, 0);
    const { tracker, advance } = setup({ [RESOURCES.deployments]: [d] });
    tracker.tick();
    advance(7_500);
    expect(tracker.state("Deployment", "default", "web")).toMatchObject({ up: false, upSeconds: 0, observedSeconds: 7.5 });
  });

  test("deleted objects drop their series; a re-created name starts afresh", async () => {
    const nodes = [node("n1", "True")];
    const { registry, tracker, advance } = setup({ [RESOURCES.nodes]: nodes });
    tracker.tick();
    advance(3000);
    nodes.pop();
    advance(1000);
    expect(tracker.state("Node", "", "n1")).toBeUndefined();
    expect(await sample(registry, "skiff_availability_up_seconds_total", { name: "n1" })).toBeUndefined();
    nodes.push({ ...node("n1", "False"), metadata: { name: "n1", uid: "second" } });
    advance(1000);
    advance(1000);
    expect(tracker.state("Node", "", "n1")).toMatchObject({ upSeconds: 0, observedSeconds: 1 });
  });

  test("Services are judged by their endpoints; ExternalName ones are not tracked", () => {
    const svc = (name: string, type = "ClusterIP"): KubeObject => ({ metadata: { name, namespace: "ns", uid: name }, spec: { type } });
    const endpoints: KubeObject[] = [{ metadata: { name: "up", namespace: "ns" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }] }] }];
    const { tracker, advance } = setup({ [RESOURCES.services]: [svc("up"), svc("down"), svc("ext", "ExternalName")], [RESOURCES.endpoints]: endpoints });
    tracker.tick();
    advance(2000);
    expect(tracker.state("Service", "ns", "up")).toMatchObject({ up: true, upSeconds: 2 });
    expect(tracker.state("Service", "ns", "down")).toMatchObject({ up: false, upSeconds: 0, observedSeconds: 2 });
    expect(tracker.state("Service", "ns", "ext")).toBeUndefined();
    expect(tracker.tracked).toBe(2);
  });
});
