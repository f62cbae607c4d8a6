// ClusterIP allocation out of the service CIDR. The taken set is read from the stored
// Services inside the write lock, so a deleted Service frees its address with no
// bookkeeping of our own and a restart cannot leak or double-allocate.
import type { FieldError, KubeObject } from "../../api/kinds/kind.ts";
import { cidrContains, intToIp, ipToInt, type Ipv4Cidr } from "./ipv4.ts";

/** Offsets inside the range that dynamic allocation never hands out. */
export const KUBERNETES_SERVICE_OFFSET = 1;
export const CLUSTER_DNS_OFFSET = 10;

export type ServiceSpec = {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { name?: string; port?: number; protocol?: string; nodePort?: number }[];
  allocateLoadBalancerNodePorts?: boolean;
};

export const specOfService = (o: KubeObject | undefined): ServiceSpec | undefined => o?.spec as ServiceSpec | undefined;

/**
 * Sets spec.clusterIP(s) of `next` (in place) or returns the field errors that refuse it.
 * `others` are every other stored Service.
 */
export function assignClusterIP(range: Ipv4Cidr, next: KubeObject, old: KubeObject | undefined, others: KubeObject[]): FieldError[] {
  const spec = specOfService(next);
  if (!spec) return [];
  if (spec.type === "ExternalName") {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    return [];
  }
  const previous = specOfService(old)?.clusterIP;
  // An update that leaves clusterIP out keeps the old one, as upstream since 1.20.
  if (!spec.clusterIP && previous && specOfService(old)?.type !== "ExternalName") spec.clusterIP = previous;
  if (previous && spec.clusterIP !== previous && specOfService(old)?.type !== "ExternalName") {
    return [{ field: "spec.clusterIP", reason: "FieldValueInvalid", message: `Invalid value: "${spec.clusterIP}": field is immutable` }];
  }
  if (spec.clusterIP === "None") {
    spec.clusterIPs = ["None"];
    return [];
  }
  const taken = new Set<string>();
  for (const o of others) {
    const ip = specOfService(o)?.clusterIP;
    if (ip && ip !== "None") taken.add(ip);
  }
  if (spec.clusterIP) {
    if (spec.clusterIP === previous) return [];
    const n = ipToInt(spec.clusterIP);
    if (n === undefined) {
      return [{ field: "spec.clusterIP", reason: "FieldValueInvalid", message: `Invalid value: "${spec.clusterIP}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` }];
    }
    if (!cidrContains(range, n) || n === range.base || n === range.base + range.size - 1) {
      return [{ field: "spec.clusterIP", reason: "FieldValueInvalid", message: `Invalid value: "${spec.clusterIP}": provided IP is not in the valid range. The range of valid IPs is ${range.cidr}` }];
    }
    if (taken.has(spec.clusterIP)) {
      return [{ field: "spec.clusterIP", reason: "FieldValueInvalid", message: `Invalid value: "${spec.clusterIP}": provided IP is already allocated` }];
    }
    spec.clusterIPs = [spec.clusterIP];
    return [];
  }
  // Walk from the first free address; .1 and .10 stay for the kubernetes and DNS services.
  for (let i = 1; i < range.size - 1; i++) {
    if (i === KUBERNETES_SERVICE_OFFSET || i === CLUSTER_DNS_OFFSET) continue;
    const ip = intToIp(range.base + i);
    if (!taken.has(ip)) {
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return [];
    }
  }
  return [{ field: "spec.clusterIP", reason: "FieldValueInvalid", message: `Invalid value: "": range is full (${range.cidr})` }];
}
