// NodePort allocation (30000-32767 by default) for NodePort and LoadBalancer Services.
// As with ClusterIPs, the ports in use are read from the stored Services, so deleting a
// Service (or turning it into a ClusterIP one) frees its ports.
import type { FieldError, KubeObject } from "../../api/kinds/kind.ts";
import { specOfService } from "./cluster-ip.ts";

export type PortRange = { min: number; max: number };
export const DEFAULT_NODE_PORT_RANGE: PortRange = { min: 30000, max: 32767 };

function wantsNodePorts(spec: NonNullable<ReturnType<typeof specOfService>>): boolean {
  if (spec.type === "NodePort") return true;
  return spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false;
}

export function assignNodePorts(range: PortRange, next: KubeObject, old: KubeObject | undefined, others: KubeObject[]): FieldError[] {
  const spec = specOfService(next);
  if (!spec || !Array.isArray(spec.ports)) return [];
  if (!wantsNodePorts(spec)) {
    // Upstream clears node ports when a Service stops being NodePort/LoadBalancer.
    if (spec.type !== "LoadBalancer") for (const p of spec.ports) delete p.nodePort;
    return [];
  }
  const taken = new Set<number>();
  for (const o of others) for (const p of specOfService(o)?.ports ?? []) if (p.nodePort) taken.add(p.nodePort);
  const oldPorts = specOfService(old)?.ports ?? [];
  const errors: FieldError[] = [];
  const mine = new Map<number, string>(); // nodePort → protocol, within this Service
  spec.ports.forEach((p, i) => {
    if (!p.nodePort) {
      // An update that leaves nodePort out keeps the one the same port had.
      const before = oldPorts.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP"))?.nodePort;
      if (before && !mine.has(before)) p.nodePort = before;
    }
    if (!p.nodePort) return;
    const field = `spec.ports[${i}].nodePort`;
    if (p.nodePort < range.min || p.nodePort > range.max) {
      errors.push({ field, reason: "FieldValueInvalid", message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}` });
    } else if (taken.has(p.nodePort) || mine.get(p.nodePort) === (p.protocol ?? "TCP")) {
      errors.push({ field, reason: "FieldValueInvalid", message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
    }
    mine.set(p.nodePort, p.protocol ?? "TCP");
  });
  if (errors.length) return errors;
  // A port that serves TCP and UDP on the same number shares one node port, as upstream.
  let cursor = range.min;
  spec.ports.forEach((p, i) => {
    if (p.nodePort) return;
    const twin = spec.ports!.find((q) => q !== p && q.port === p.port && q.nodePort && (q.protocol ?? "TCP") !== (p.protocol ?? "TCP"));
    if (twin) {
      p.nodePort = twin.nodePort;
      return;
    }
    while (cursor <= range.max && (taken.has(cursor) || mine.has(cursor))) cursor++;
    if (cursor > range.max) {
      errors.push({ field: `spec.ports[${i}].nodePort`, reason: "FieldValueInvalid", message: `Invalid value: 0: range is full (${range.min}-${range.max})` });
      return;
    }
    p.nodePort = cursor;
    mine.set(cursor, p.protocol ?? "TCP");
  });
  return errors;
}
