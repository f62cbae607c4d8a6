// The `kubernetes` Service in `default`: the first address of the service range, in
// front of the API server, with its Endpoints and EndpointSlice kept on the server's
// address (upstream's apiserver endpoint reconciler, for one server).
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

/** Create or correct one object; leaves it alone when `same` says it already matches. */
async function upsert(registry: Registry, kind: KindDef, body: KubeObject, same: (cur: KubeObject) => boolean): Promise<void> {
  const current = registry.tryGet(kind, NAMESPACE, NAME);
  if (!current) {
    await registry.create(kind, NAMESPACE, body);
    return;
  }
  if (same(current)) return;
  await registry.replace(kind, NAMESPACE, NAME, (cur) => ({ ...cur!, ...body, metadata: { ...cur!.metadata, labels: body.metadata.labels } }));
}

/** The `kubernetes` Service's ClusterIP: the first address of the service range. */
export const kubernetesServiceIp = (serviceCidr = DEFAULT_SERVICE_CIDR) => nthAddress(serviceCidr, KUBERNETES_SERVICE_OFFSET);

export async function ensureKubernetesService(registry: Registry, serverIp: string, port: number, serviceCidr = DEFAULT_SERVICE_CIDR): Promise<void> {
  const serviceKind = kindOf(registry, "", "Service");
  if (!serviceKind) throw new Error("the Service kind is not served");
  const clusterIP = kubernetesServiceIp(serviceCidr);
  const labels = { component: "apiserver", provider: "kubernetes" };
  const servicePort = { name: "https", protocol: "TCP", port: 443, targetPort: port };
  await upsert(
    registry,
    serviceKind,
    { metadata: { name: NAME, namespace: NAMESPACE, labels }, spec: { type: "ClusterIP", clusterIP, sessionAffinity: "None", ports: [servicePort] } },
    (cur) => {
      const spec = cur.spec as { clusterIP?: string; ports?: { targetPort?: unknown }[] };
      return spec.clusterIP === clusterIP && spec.ports?.[0]?.targetPort === port;
    },
  );

  const endpointsKind = kindOf(registry, "", "Endpoints");
  if (endpointsKind) {
    const subsets = [{ addresses: [{ ip: serverIp }], ports: [{ name: "https", port, protocol: "TCP" }] }];
    await upsert(registry, endpointsKind, { metadata: { name: NAME, namespace: NAMESPACE, labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } }, subsets }, (cur) => JSON.stringify(cur.subsets) === JSON.stringify(subsets));
  }
  const sliceKind = kindOf(registry, "discovery.k8s.io", "EndpointSlice");
  if (sliceKind) {
    const endpoints = [{ addresses: [serverIp], conditions: { ready: true, serving: true, terminating: false } }];
    const ports = [{ name: "https", port, protocol: "TCP" }];
    await upsert(
      registry,
      sliceKind,
      { metadata: { name: NAME, namespace: NAMESPACE, labels: { "kubernetes.io/service-name": NAME, "endpointslice.kubernetes.io/managed-by": "skiff-apiserver" } }, addressType: "IPv4", endpoints, ports },
      (cur) => JSON.stringify(cur.endpoints) === JSON.stringify(endpoints) && JSON.stringify(cur.ports) === JSON.stringify(ports),
    );
  }
}
