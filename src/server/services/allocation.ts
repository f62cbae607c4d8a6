// Service address admission: every Service write gets its ClusterIP and node ports here,
// inside the registry's write lock, or is refused with 422 naming the field.
import type { Registry } from "../../api/registry/registry.ts";
import { invalid } from "../../api/errors.ts";
import { assignClusterIP, specOfService } from "./cluster-ip.ts";
import type { KubeObject } from "../../api/kinds/kind.ts";
import { assignNodePorts, DEFAULT_NODE_PORT_RANGE, type PortRange } from "./node-port.ts";
import { parseCidr } from "./ipv4.ts";

export type ServiceAllocationOptions = {
  /** `--service-cidr`; default 10.43.0.0/16. */
  serviceCidr?: string;
  /** `--service-node-port-range`; default 30000-32767. */
  nodePortRange?: PortRange;
};

export const DEFAULT_SERVICE_CIDR = "10.43.0.0/16";

export function installServiceAllocation(registry: Registry, opts: ServiceAllocationOptions = {}): void {
  const range = parseCidr(opts.serviceCidr ?? DEFAULT_SERVICE_CIDR);
  const ports = opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE;
  // Across servers the store claims each address in the Service's own write (the lane of one process is not enough).
  registry.store.declareUnique?.("services", serviceAddressClaims);
  // What this admission assigned to each object: a write planned again (another server's
  // write came first) runs admission on the same object, whose assigned values must go back
  // to unset rather than count as asked for.
  const assigned = new WeakMap<KubeObject, Assigned>();
  registry.addAdmission((_op, kind, next, old) => {
    if (kind.kind !== "Service" || kind.group !== "") return;
    const spec = specOfService(next);
    const before = assigned.get(next);
    if (spec && before) unassign(spec, before);
    const asked = spec && { clusterIP: spec.clusterIP, nodePorts: (spec.ports ?? []).map((p) => p.nodePort) };
    const self = `${next.metadata.namespace}/${next.metadata.name}`;
    const others = registry.list(kind, undefined, (o) => `${o.metadata.namespace}/${o.metadata.name}` !== self).items;
    const errors = [...assignClusterIP(range, next, old, others), ...assignNodePorts(ports, next, old, others)];
    if (errors.length) throw invalid(kind.kind, kind.group, next.metadata.name ?? "", errors);
    if (spec && asked) assigned.set(next, { clusterIP: asked.clusterIP ? undefined : spec.clusterIP, nodePorts: (spec.ports ?? []).map((p, i) => (asked.nodePorts[i] ? undefined : p.nodePort)) });
  });
}

type Assigned = { clusterIP?: string; nodePorts: (number | undefined)[] };

function unassign(spec: NonNullable<ReturnType<typeof specOfService>>, a: Assigned) {
  if (a.clusterIP && spec.clusterIP === a.clusterIP) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  (spec.ports ?? []).forEach((p, i) => {
    if (a.nodePorts[i] !== undefined && p.nodePort === a.nodePorts[i]) delete p.nodePort;
  });
}

/** The addresses a Service holds, as unique claims: its ClusterIP and each node port number. */
export function serviceAddressClaims(service: KubeObject): string[] {
  const spec = specOfService(service);
  const claims = new Set<string>();
  if (spec?.clusterIP && spec.clusterIP !== "None") claims.add(`clusterip/${spec.clusterIP}`);
  for (const p of spec?.ports ?? []) if (p.nodePort) claims.add(`nodeport/${p.nodePort}`);
  return [...claims];
}
