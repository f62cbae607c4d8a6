// Each node gets its own pod subnet (spec.podCIDR) out of the cluster CIDR when it
// registers, as flannel's subnet manager does; a deleted node's subnet becomes free again.
import { resourceKey, type Registry } from "../api/registry/registry.ts";
import { ApiError } from "../api/errors.ts";

function parseCidr(cidr: string): { base: number; bits: number } {
  const [ip, bits] = cidr.split("/");
  const parts = ip!.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)) || !(Number(bits) >= 0 && Number(bits) <= 32)) throw new Error(`invalid CIDR ${cidr}`);
  return { base: ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0, bits: Number(bits) };
}

const toIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export function podCidrAllocator(registry: Registry, clusterCidr = "10.42.0.0/16", nodeMaskBits = 24) {
  const { base, bits } = parseCidr(clusterCidr);
  if (nodeMaskBits < bits) throw new Error(`--cluster-cidr ${clusterCidr} is smaller than a node subnet /${nodeMaskBits}`);
  const count = 2 ** (nodeMaskBits - bits);
  const size = 2 ** (32 - nodeMaskBits);
  // Across servers the store claims each subnet in the Node's own write.
  registry.store.declareUnique?.("nodes", (n) => {
    const cidr = (n.spec as { podCIDR?: string } | undefined)?.podCIDR;
    return cidr ? [`podcidr/${cidr.replace("/", "_")}`] : [];
  });
  let hint = 0;
  registry.addAdmission((op, kind, next, old) => {
    if (kind.kind !== "Node") return;
    const spec = ((next.spec as Record<string, unknown>) ??= {}) as { podCIDR?: string; podCIDRs?: string[] };
    const prior = (old?.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (prior) {
      spec.podCIDR = prior;
      spec.podCIDRs = [prior];
      return;
    }
    if (op !== "create" && spec.podCIDR) return;
    // The store's own list (with the writes planned beside this one), unsorted: a fleet of
    // thousands joining must not pay for a sorted copy of every node per join.
    const used = new Set<string | undefined>();
    for (const n of registry.store.list(resourceKey(kind))) used.add((n.spec as { podCIDR?: string } | undefined)?.podCIDR);
    // From just after the last subnet handed out, so the search does not walk every taken one first.
    for (let k = 0; k < count; k++) {
      const i = (hint + k) % count;
      const cidr = `${toIp((base + i * size) >>> 0)}/${nodeMaskBits}`;
      if (!used.has(cidr)) {
        spec.podCIDR = cidr;
        spec.podCIDRs = [cidr];
        hint = (i + 1) % count;
        return;
      }
    }
    throw new ApiError(503, "ServiceUnavailable", `no pod subnet left in ${clusterCidr}`);
  });
}
