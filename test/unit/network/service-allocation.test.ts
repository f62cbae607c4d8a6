// ClusterIP and NodePort allocation as admission, on a real Registry over a temp SQLite store.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "../../../src/api/registry/registry.ts";
import { ApiError } from "../../../src/api/errors.ts";
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import { Store } from "../../../src/store/store.ts";
import { ensureKubernetesService, installServiceAllocation, loadBalancerController, nodeIngressIps } from "../../../src/server/services/index.ts";
import { testKinds, testNamespaceKind, testNodeKind, testServiceKind, testEndpointsKind, testSliceKind } from "./service-kinds.ts";

let dir = "";
let store: Store;
let registry: Registry;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiff-svc-alloc-"));
  store = await Store.open({ url: `file:${join(dir, "state.db")}` });
  registry = new Registry(store, testKinds);
  installServiceAllocation(registry, { serviceCidr: "10.43.0.0/24" });
  for (const name of ["default", "other"]) await registry.create(testNamespaceKind, "", { metadata: { name } });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const svc = (name: string, spec: Record<string, unknown>, namespace = "default") => registry.create(testServiceKind, namespace, { metadata: { name }, spec: { ports: [{ port: 80, protocol: "TCP" }], ...spec } });
const specOf = (o: KubeObject) => o.spec as { clusterIP?: string; clusterIPs?: string[]; ports: { port: number; protocol?: string; nodePort?: number }[] };

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("the write was accepted");
}

describe("ClusterIP", () => {
  test("allocates distinct addresses inside the range, skipping .1 and .10", async () => {
    const ips: string[] = [];
    for (let i = 0; i < 12; i++) ips.push(specOf(await svc(`s${i}`, {})).clusterIP!);
    expect(new Set(ips).size).toBe(12);
    expect(ips).not.toContain("10.43.0.1");
    expect(ips).not.toContain("10.43.0.10");
    for (const ip of ips) expect(ip).toMatch(/^10\.43\.0\.\d+$/);
    const s0 = registry.get(testServiceKind, "default", "s0");
    expect(specOf(s0).clusterIPs).toEqual([specOf(s0).clusterIP!]);
  });

  test("a requested free address is kept; a taken one is refused with 422 on spec.clusterIP", async () => {
    expect(specOf(await svc("dns", { clusterIP: "10.43.0.10" }, "other")).clusterIP).toBe("10.43.0.10");
    const err = await refusal(svc("again", { clusterIP: "10.43.0.10" }));
    expect(err.code).toBe(422);
    expect(err.details?.causes?.[0]?.field).toBe("spec.clusterIP");
    expect(err.message).toContain("already allocated");
  });

  test("an address out of range is refused", async () => {
    const err = await refusal(svc("far", { clusterIP: "10.44.0.5" }));
    expect(err.code).toBe(422);
    expect(err.details?.causes?.[0]?.field).toBe("spec.clusterIP");
    expect(err.message).toContain("not in the valid range");
  });

  test("deleting a Service releases its address", async () => {
    await svc("a", { clusterIP: "10.43.0.50" });
    expect((await refusal(svc("b", { clusterIP: "10.43.0.50" }))).code).toBe(422);
    await registry.delete(testServiceKind, "default", "a");
    expect(specOf(await svc("b", { clusterIP: "10.43.0.50" })).clusterIP).toBe("10.43.0.50");
  });

  test("headless Services are left alone; ExternalName gets no address", async () => {
    expect(specOf(await svc("h", { clusterIP: "None" })).clusterIP).toBe("None");
    expect(specOf(await svc("h2", { clusterIP: "None" })).clusterIP).toBe("None");
    expect(specOf(await svc("ext", { type: "ExternalName", externalName: "example.org" })).clusterIP).toBeUndefined();
  });

  test("an update keeps the address when omitted and refuses changing it", async () => {
    const created = await svc("u", {});
    const ip = specOf(created).clusterIP!;
    const kept = await registry.replace(testServiceKind, "default", "u", (cur) => ({ ...cur!, spec: { ports: [{ port: 81, protocol: "TCP" }] } }));
    expect(specOf(kept.object).clusterIP).toBe(ip);
    const err = await refusal(registry.replace(testServiceKind, "default", "u", (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), clusterIP: "10.43.0.99" } })));
    expect(err.code).toBe(422);
    expect(err.message).toContain("immutable");
  });

  test("a full range answers 422", async () => {
    const small = new Registry(store, testKinds);
    installServiceAllocation(small, { serviceCidr: "10.43.1.0/28" }); // 14 hosts, 2 reserved
    for (let i = 0; i < 12; i++) await small.create(testServiceKind, "default", { metadata: { name: `f${i}` }, spec: { ports: [{ port: 80 }] } });
    const err = await refusal(small.create(testServiceKind, "default", { metadata: { name: "full" }, spec: { ports: [{ port: 80 }] } }));
    expect(err.code).toBe(422);
  });
});

describe("NodePort", () => {
  test("allocates from 30000-32767 for NodePort and LoadBalancer Services, none for ClusterIP", async () => {
    const np = specOf(await svc("np", { type: "NodePort", ports: [{ port: 80, protocol: "TCP" }, { port: 443, protocol: "TCP" }] }));
    const ports = np.ports.map((p) => p.nodePort!);
    expect(new Set(ports).size).toBe(2);
    for (const p of ports) expect(p >= 30000 && p <= 32767).toBe(true);
    const lb = specOf(await svc("lb", { type: "LoadBalancer" }));
    expect(ports).not.toContain(lb.ports[0]!.nodePort!);
    expect(specOf(await svc("plain", {})).ports[0]!.nodePort).toBeUndefined();
  });

  test("a taken or out-of-range port is refused naming spec.ports[i].nodePort", async () => {
    await svc("a", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }] });
    const taken = await refusal(svc("b", { type: "NodePort", ports: [{ port: 81, protocol: "TCP" }, { port: 80, protocol: "TCP", nodePort: 30080 }] }));
    expect(taken.code).toBe(422);
    expect(taken.details?.causes?.[0]?.field).toBe("spec.ports[1].nodePort");
    expect(taken.message).toContain("already allocated");
    const far = await refusal(svc("c", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 40000 }] }));
    expect(far.code).toBe(422);
    expect(far.details?.causes?.[0]?.field).toBe("spec.ports[0].nodePort");
    expect(far.message).toContain("30000-32767");
  });

  test("released on delete and on a change to ClusterIP; kept over an update that omits it", async () => {
    await svc("a", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] });
    const kept = await registry.replace(testServiceKind, "default", "a", (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), ports: [{ port: 80, protocol: "TCP" }] } }));
    expect(specOf(kept.object).ports[0]!.nodePort).toBe(30500);
    const flipped = await registry.replace(testServiceKind, "default", "a", (cur) => ({ ...cur!, spec: { ...(cur!.spec as object), type: "ClusterIP" } }));
    expect(specOf(flipped.object).ports[0]!.nodePort).toBeUndefined();
    expect(specOf(await svc("b", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] })).ports[0]!.nodePort).toBe(30500);
    await registry.delete(testServiceKind, "default", "b");
    expect(specOf(await svc("c", { type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30500 }] })).ports[0]!.nodePort).toBe(30500);
  });
});

describe("kubernetes Service and LoadBalancer status", () => {
  test("ensureKubernetesService creates the Service on .1 with its endpoints, idempotently", async () => {
    await ensureKubernetesService(registry, "192.168.77.2", 6443, "10.43.0.0/24");
    await ensureKubernetesService(registry, "192.168.77.2", 6443, "10.43.0.0/24");
    const k = registry.get(testServiceKind, "default", "kubernetes");
    expect(specOf(k).clusterIP).toBe("10.43.0.1");
    expect(specOf(k).ports[0]!.port).toBe(443);
    const ep = registry.get(testEndpointsKind, "default", "kubernetes") as unknown as { subsets?: { addresses: { ip: string }[]; ports: { port: number }[] }[] };
    expect(ep.subsets?.[0]?.addresses[0]?.ip).toBe("192.168.77.2");
    expect(ep.subsets?.[0]?.ports[0]?.port).toBe(6443);
    await ensureKubernetesService(registry, "192.168.77.3", 6443, "10.43.0.0/24");
    const slice = registry.get(testSliceKind, "default", "kubernetes") as unknown as { endpoints: { addresses: string[] }[] };
    expect(slice.endpoints[0]!.addresses).toEqual(["192.168.77.3"]);
  });

  test("nodeIngressIps lists the InternalIPs of nodes not known to be down", () => {
    const ips = nodeIngressIps([
      { metadata: { name: "a" }, status: { addresses: [{ type: "InternalIP", address: "192.168.77.3" }, { type: "Hostname", address: "a" }], conditions: [{ type: "Ready", status: "True" }] } },
      { metadata: { name: "b" }, status: { addresses: [{ type: "InternalIP", address: "192.168.77.4" }], conditions: [{ type: "Ready", status: "False" }] } },
      { metadata: { name: "c" }, status: { addresses: [{ type: "InternalIP", address: "192.168.77.2" }] } },
    ]);
    expect(ips).toEqual(["192.168.77.2", "192.168.77.3"]);
  });

  test("the controller writes node addresses into a LoadBalancer Service's status", async () => {
    await registry.create(testNodeKind, "", { metadata: { name: "n1" }, status: { addresses: [{ type: "InternalIP", address: "192.168.77.3" }] } });
    const c = loadBalancerController(registry);
    c.start();
    try {
      await svc("lb", { type: "LoadBalancer" });
      const ingressOf = () => ((registry.get(testServiceKind, "default", "lb").status as { loadBalancer?: { ingress?: { ip: string }[] } } | undefined)?.loadBalancer?.ingress ?? []).map((i) => i.ip);
      const until = async (want: string[]) => {
        for (let i = 0; i < 100 && JSON.stringify(ingressOf()) !== JSON.stringify(want); i++) await Bun.sleep(20);
        expect(ingressOf()).toEqual(want);
      };
      await until(["192.168.77.3"]);
      await registry.create(testNodeKind, "", { metadata: { name: "n2" }, status: { addresses: [{ type: "InternalIP", address: "192.168.77.4" }] } });
      await until(["192.168.77.3", "192.168.77.4"]);
      await registry.delete(testNodeKind, "", "n1");
      await until(["192.168.77.4"]);
    } finally {
      await c.stop();
    }
  });
});
