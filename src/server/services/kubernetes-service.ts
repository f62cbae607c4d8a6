// The `kubernetes` Service in `default`: the first address of the service range, in
// front of the API server, with its Endpoints and EndpointSlice kept on the server's
// address (upstream's apiserver endpoint reconciler): every server's, on a shared store.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { KUBERNETES_SERVICE_OFFSET } from "./cluster-ip.ts";
import { DEFAULT_SERVICE_CIDR } from "./allocation.ts";
import { nthAddress } from "./ipv4.ts";

const NAME = "kubernetes";
const NAMESPACE = "default";

function kindOf(registry: Registry, group: string, kind: string): KindDef | undefined {
  return registry.kinds.find((k) => k.group === group && k.kind === kind);
}

/**
 * Create or correct one object in one compare-and-swap write (servers starting together on
 * one store race here); `correct` returns the object to store, or the current one to leave it.
 */
async function upsert(registry: Registry, kind: KindDef, correct: (cur: KubeObject | undefined) => KubeObject): Promise<void> {
  await registry.replace(kind, NAMESPACE, NAME, (cur) => correct(cur), {}, undefined, true);
}

type Subset = { addresses: { ip: string }[]; ports: { name: string; port: number; protocol: string }[] };

/** Endpoints subsets with this server's address added: one subset per port, as upstream groups them. */
export function withServerAddress(subsets: Subset[] | undefined, ip: string, port: number): Subset[] {
  const out = (subsets ?? []).map((s) => ({ addresses: [...s.addresses], ports: s.ports }));
  const same = out.find((s) => s.ports[0]?.port === port);
  if (same) {
    if (!same.addresses.some((a) => a.ip === ip)) same.addresses.push({ ip });
    same.addresses.sort((a, b) => a.ip.localeCompare(b.ip));
  } else out.push({ addresses: [{ ip }], ports: [{ name: "https", port, protocol: "TCP" }] });
  return out.sort((a, b) => (a.ports[0]?.port ?? 0) - (b.ports[0]?.port ?? 0));
}

/** The `kubernetes` Service's ClusterIP: the first address of the service range. */
export const kubernetesServiceIp = (serviceCidr = DEFAULT_SERVICE_CIDR) => nthAddress(serviceCidr, KUBERNETES_SERVICE_OFFSET);

/**
 * The kubernetes Service and its Endpoints on this server's address. With `shared` (several
 * servers on one store) each server adds its address to those already there, so agents learn
 * every server from the Endpoints; alone, the server's address replaces what was there.
 */
export async function ensureKubernetesService(registry: Registry, serverIp: string, port: number, serviceCidr = DEFAULT_SERVICE_CIDR, shared = false): Promise<void> {
  const serviceKind = kindOf(registry, "", "Service");
  if (!serviceKind) throw new Error("the Service kind is not served");
  const clusterIP = kubernetesServiceIp(serviceCidr);
  const labels = { component: "apiserver", provider: "kubernetes" };
  const servicePort = { name: "https", protocol: "TCP", port: 443, targetPort: port };
  const service = { metadata: { name: NAME, namespace: NAMESPACE, labels }, spec: { type: "ClusterIP", clusterIP, sessionAffinity: "None", ports: [servicePort] } };
  await upsert(registry, serviceKind, (cur) => {
    if (!cur) return service;
    const spec = cur.spec as { clusterIP?: string; ports?: { targetPort?: unknown }[] };
    // Several servers may listen on different ports: the Service keeps the first one's.
    if (spec.clusterIP === clusterIP && (shared || spec.ports?.[0]?.targetPort === port)) return cur;
    return { ...cur, ...service, metadata: { ...cur.metadata, labels } };
  });

  const endpointsKind = kindOf(registry, "", "Endpoints");
  if (endpointsKind) {
    const mine: Subset[] = [{ addresses: [{ ip: serverIp }], ports: [{ name: "https", port, protocol: "TCP" }] }];
    await upsert(registry, endpointsKind, (cur) => {
      const subsets = shared ? withServerAddress(cur?.subsets as Subset[] | undefined, serverIp, port) : mine;
      if (cur && JSON.stringify(cur.subsets) === JSON.stringify(subsets)) return cur;
      return { ...(cur ?? {}), metadata: { ...(cur?.metadata ?? {}), name: NAME, namespace: NAMESPACE, labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } }, subsets } as KubeObject;
    });
  }
  const sliceKind = kindOf(registry, "discovery.k8s.io", "EndpointSlice");
  if (sliceKind) {
    const ports = [{ name: "https", port, protocol: "TCP" }];
    const endpoint = { addresses: [serverIp], conditions: { ready: true, serving: true, terminating: false } };
    await upsert(registry, sliceKind, (cur) => {
      // A slice has one port list: with servers on different ports it names the first server's.
      const curPorts = cur?.ports as { port: number }[] | undefined;
      const curEndpoints = (cur?.endpoints ?? []) as { addresses: string[] }[];
      const endpoints = shared && curPorts?.[0]?.port === port ? (curEndpoints.some((e) => e.addresses.includes(serverIp)) ? curEndpoints : [...curEndpoints, endpoint]) : shared && curPorts?.length ? curEndpoints : [endpoint];
      const nextPorts = shared && curPorts?.length ? curPorts : ports;
      if (cur && JSON.stringify(cur.endpoints) === JSON.stringify(endpoints) && JSON.stringify(cur.ports) === JSON.stringify(nextPorts)) return cur;
      return { ...(cur ?? {}), metadata: { ...(cur?.metadata ?? {}), name: NAME, namespace: NAMESPACE, labels: { "kubernetes.io/service-name": NAME, "endpointslice.kubernetes.io/managed-by": "skiff-apiserver" } }, addressType: "IPv4", endpoints, ports: nextPorts } as KubeObject;
    });
  }
}

/**
 * The kubernetes Endpoints (and the EndpointSlice's endpoints on its port) set to exactly
 * these servers: the leader's repair, once servers have gone (see apiserver-leases.ts).
 */
export async function setKubernetesEndpoints(registry: Registry, servers: { ip: string; port: number }[]): Promise<void> {
  const subsets = servers.reduce<Subset[]>((acc, s) => withServerAddress(acc, s.ip, s.port), []);
  const endpointsKind = kindOf(registry, "", "Endpoints");
  if (endpointsKind && registry.tryGet(endpointsKind, NAMESPACE, NAME)) {
    await upsert(registry, endpointsKind, (cur) => (JSON.stringify(cur!.subsets) === JSON.stringify(subsets) ? cur! : { ...cur!, subsets }));
  }
  const sliceKind = kindOf(registry, "discovery.k8s.io", "EndpointSlice");
  if (sliceKind && registry.tryGet(sliceKind, NAMESPACE, NAME)) {
    await upsert(registry, sliceKind, (cur) => {
      const port = (cur!.ports as { port: number }[] | undefined)?.[0]?.port;
      const endpoints = servers.filter((s) => s.port === port).map((s) => ({ addresses: [s.ip], conditions: { ready: true, serving: true, terminating: false } }));
      return endpoints.length === 0 || JSON.stringify(cur!.endpoints) === JSON.stringify(endpoints) ? cur! : { ...cur!, endpoints };
    });
  }
}
