// Pod addresses chosen by the agent, as flannel's host-local IPAM does, instead of by podman
// when the pod starts: the pod's IP is then known the moment its first container runs, with
// no inspect of the infra container. Addresses go round the node's subnet (network,
// gateway and broadcast excluded), so one just freed is not handed out again at once.
import { RuntimeError } from "./errors.ts";

const toNumber = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
const toText = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

export class PodIpAllocator {
  private readonly first: number; // first address after the gateway
  private readonly last: number; // last before the broadcast address
  private cursor: number;
  private readonly assigned = new Map<string, string>();

  constructor(subnet: string) {
    const [addr, lenText] = subnet.split("/");
    const len = Number(lenText);
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(addr ?? "") || !(len >= 8 && len <= 30)) throw new RuntimeError("Failed", `invalid IPv4 pod subnet: ${subnet}`);
    const size = 2 ** (32 - len);
    const network = toNumber(addr!) - (toNumber(addr!) % size);
    this.first = network + 2;
    this.last = network + size - 2;
    this.cursor = this.first;
  }

  /** An address for the pod, free of `inUse` (addresses the runtime reports) and of every other pod's assignment. */
  assign(podUid: string, inUse: Iterable<string | undefined>): string {
    this.release(podUid);
    const taken = new Set<string | undefined>(inUse);
    for (const ip of this.assigned.values()) taken.add(ip);
    const count = this.last - this.first + 1;
    for (let i = 0; i < count; i++) {
      const candidate = toText(this.cursor);
      this.cursor = this.cursor === this.last ? this.first : this.cursor + 1;
      if (taken.has(candidate)) continue;
      this.assigned.set(podUid, candidate);
      return candidate;
    }
    throw new RuntimeError("Failed", `no free address left in the pod subnet (${count} in use)`);
  }

  /** The pod's address is free again (its sandbox is gone). */
  release(podUid: string): void {
    this.assigned.delete(podUid);
  }

  assignedTo(podUid: string): string | undefined {
    return this.assigned.get(podUid);
  }
}
