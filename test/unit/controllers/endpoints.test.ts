import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { InformerFactory } from "../../../src/controllers/runtime/informer.ts";
import { endpointsController } from "../../../src/controllers/endpoints.ts";
import type { Controller } from "../../../src/controllers/runtime/controller.ts";
import { bindPod } from "../../../src/server/pod-subresources.ts";
import { ClusterZone } from "../../../src/agent/network/dns-records.ts";
import { eventually, setPodReady, testCluster, type TestCluster } from "./cluster.ts";

let c: TestCluster;
let informers: InformerFactory;
let controller: Controller;

beforeEach(async () => {
  c = await testCluster();
  informers = new InformerFactory(c.registry);
  controller = endpointsController(c.registry, informers, { pod: c.kind("pods"), service: c.kind("services"), endpoints: c.kind("endpoints"), endpointSlice: c.kind("endpointslices") });
  controller.start();
});
afterEach(async () => {
  await controller.stop();
  informers.stop();
  await c.close();
});

const webPod = async (name: string, ip: string, ready: boolean, portName = "http", port = 8080) => {
  await c.registry.create(c.kind("pods"), "default", { metadata: { name, labels: { app: "web" } }, spec: { containers: [{ name: "a", image: "x", ports: [{ name: portName, containerPort: port }] }] } });
  await bindPod(c.registry, "default", name, "n1");
  await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", name), ready, ip);
};
const endpoints = () => c.registry.tryGet(c.kind("endpoints"), "default", "web") as any;
const slices = () => c.registry.list(c.kind("endpointslices"), "default").items as any[];

describe("endpoints controller", () => {
  test("ready pods become addresses, others notReadyAddresses, with named ports resolved per pod", async () => {
    await c.registry.create(c.kind("nodes"), "", { metadata: { name: "n1" }, spec: {} });
    await c.registry.create(c.kind("services"), "default", { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } });
    await webPod("a", "10.42.0.5", true);
    await webPod("b", "10.42.0.6", false);
    await webPod("c", "10.42.0.7", true, "http", 9090);
    await c.registry.create(c.kind("pods"), "default", { metadata: { name: "other", labels: { app: "db" } }, spec: { containers: [{ name: "a", image: "x" }] } });

    const ep = await eventually(() => {
      const e = endpoints();
      return e?.subsets?.length === 2 && e;
    }, "two subsets");
    const byPort = Object.fromEntries(ep.subsets.map((s: any) => [s.ports[0].port, s]));
    expect(byPort[8080].addresses).toEqual([{ ip: "10.42.0.5", nodeName: "n1", targetRef: { kind: "Pod", namespace: "default", name: "a", uid: c.registry.get(c.kind("pods"), "default", "a").metadata.uid } }]);
    expect(byPort[8080].notReadyAddresses.map((a: any) => a.ip)).toEqual(["10.42.0.6"]);
    expect(byPort[8080].ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(byPort[9090].addresses.map((a: any) => a.ip)).toEqual(["10.42.0.7"]);

    await eventually(() => slices().length === 2, "two slices");
    for (const s of slices()) {
      expect(s.metadata.labels["kubernetes.io/service-name"]).toBe("web");
      expect(s.metadata.labels["endpointslice.kubernetes.io/managed-by"]).toBe("endpointslice-controller.k8s.io");
      expect(s.addressType).toBe("IPv4");
    }
    const all = slices().flatMap((s) => s.endpoints);
    expect(all.find((e: any) => e.addresses[0] === "10.42.0.6").conditions.ready).toBe(false);
    expect(all.find((e: any) => e.addresses[0] === "10.42.0.5")).toMatchObject({ conditions: { ready: true }, nodeName: "n1", targetRef: { kind: "Pod", name: "a" } });

    // A pod turning ready moves over; a deleted service takes its endpoints along.
    await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", "b"), true, "10.42.0.6");
    await eventually(() => endpoints()?.subsets?.find((s: any) => s.ports[0].port === 8080)?.addresses?.length === 2, "b ready");
    await c.registry.delete(c.kind("services"), "default", "web");
    await eventually(() => !endpoints() && slices().length === 0, "endpoints removed");
  });
});

// A pod naming a Service as its subdomain (as StatefulSet pods do) gets its hostname into that
// Service's Endpoints and, when headless, its EndpointSlices: the cluster DNS answers
// HOSTNAME.SERVICE.NS.svc.cluster.local.
async function subdomainPod(name: string, ip: string, spec: Record<string, unknown>) {
  await c.registry.create(c.kind("pods"), "default", { metadata: { name, labels: { app: "db" } }, spec: { containers: [{ name: "a", image: "x" }], ...spec } });
  await bindPod(c.registry, "default", name, "n1");
  await setPodReady(c.registry, c.registry.get(c.kind("pods"), "default", name), true, ip);
}

test("hostname in Endpoints and headless EndpointSlices only for the Service named as subdomain; DNS answers it", async () => {
  await c.registry.create(c.kind("nodes"), "", { metadata: { name: "n1" }, spec: {} });
  await c.registry.create(c.kind("services"), "default", { metadata: { name: "db" }, spec: { clusterIP: "None", selector: { app: "db" }, ports: [{ name: "pg", port: 5432 }] } });
  await c.registry.create(c.kind("services"), "default", { metadata: { name: "db-ro" }, spec: { selector: { app: "db" }, ports: [{ name: "pg", port: 5432 }] } });
  await subdomainPod("db-0", "10.42.0.10", { hostname: "db-0", subdomain: "db" });
  await subdomainPod("db-1", "10.42.0.11", { hostname: "db-1", subdomain: "db" });
  await subdomainPod("loose", "10.42.0.12", { hostname: "loose" }); // no subdomain: no DNS name of its own

  const slicesOf = (svc: string) => c.registry.list(c.kind("endpointslices"), "default").items.filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === svc) as any[];
  const eps = (svc: string) => c.registry.tryGet(c.kind("endpoints"), "default", svc) as any;
  await eventually(() => slicesOf("db")[0]?.endpoints?.length === 3 && eps("db")?.subsets?.[0]?.addresses?.length === 3 && eps("db-ro")?.subsets?.[0]?.addresses?.length === 3, "endpoints of both services");
  const hostnames = (list: any[]) => Object.fromEntries(list.map((e) => [e.ip ?? e.addresses[0], e.hostname]));
  expect(hostnames(slicesOf("db")[0].endpoints)).toEqual({ "10.42.0.10": "db-0", "10.42.0.11": "db-1", "10.42.0.12": undefined });
  expect(hostnames(eps("db").subsets[0].addresses)).toEqual({ "10.42.0.10": "db-0", "10.42.0.11": "db-1", "10.42.0.12": undefined });
  // Not the subdomain: no hostname, whether headless or not.
  expect(hostnames(eps("db-ro").subsets[0].addresses)).toEqual({ "10.42.0.10": undefined, "10.42.0.11": undefined, "10.42.0.12": undefined });
  expect(slicesOf("db-ro")[0].endpoints.every((e: any) => e.hostname === undefined)).toBe(true);

  const zone = new ClusterZone(c.registry.list(c.kind("services"), "default").items as never, c.registry.list(c.kind("endpointslices"), "default").items as never);
  expect(zone.lookup("db-1.db.default.svc.cluster.local", "A")).toMatchObject({ kind: "answer", answers: [{ type: "A", data: "10.42.0.11" }] });
  expect(zone.lookup("loose.db.default.svc.cluster.local", "A")).toEqual({ kind: "nxdomain" });
});
