// Service address admission: every Service write gets its ClusterIP and node ports here,
// inside the registry's write lock, or is refused with 422 naming the field.
import type { Registry } from "../../api/registry/registry.ts";
import { invalid } from "../../api/errors.ts";
import { assignClusterIP } from "./cluster-ip.ts";
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
  registry.addAdmission((_op, kind, next, old) => {
    if (kind.kind !== "Service" || kind.group !== "") return;
    const self = `${next.metadata.namespace}/${next.metadata.name}`;
    const others = registry.list(kind, undefined, (o) => `${o.metadata.namespace}/${o.metadata.name}` !== self).items;
    const errors = [...assignClusterIP(range, next, old, others), ...assignNodePorts(ports, next, old, others)];
    if (errors.length) throw invalid(kind.kind, kind.group, next.metadata.name ?? "", errors);
  });
}
