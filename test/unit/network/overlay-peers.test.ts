// Which nodes the overlay routes to, and what agents sharing a host agree on: nodes at this
// node's own address are left to their bridges, and the VTEP MAC and the NAT table depend
// on the host, not on the node.
import { describe, expect, test } from "bun:test";
import { ANNOTATION_BACKEND_DATA, ANNOTATION_PUBLIC_IP, peersFromNodes, vtepMacFor, type NodeLike } from "../../../src/agent/network/overlay.ts";
import { overlayNatScript } from "../../../src/agent/network/overlay-nat.ts";

const node = (name: string, podCIDR: string, ip: string): NodeLike => ({
  metadata: { name, annotations: { [ANNOTATION_PUBLIC_IP]: ip, [ANNOTATION_BACKEND_DATA]: JSON.stringify({ VtepMAC: vtepMacFor(ip) }) } },
  spec: { podCIDR },
  status: { addresses: [{ type: "InternalIP", address: ip }] },
});

describe("overlay peers", () => {
  const nodes = [node("a", "10.42.0.0/24", "192.168.1.10"), node("b", "10.42.1.0/24", "192.168.1.10"), node("c", "10.42.2.0/24", "192.168.1.11")];

  test("nodes sharing this node's address are not overlay peers", () => {
    expect(peersFromNodes(nodes, "a", "192.168.1.10").map((p) => p.name)).toEqual(["c"]);
    expect(peersFromNodes(nodes, "b", "192.168.1.10").map((p) => p.name)).toEqual(["c"]);
    expect(peersFromNodes(nodes, "c", "192.168.1.11").map((p) => p.name)).toEqual(["a", "b"]);
  });

  test("the VTEP MAC is the host's: the same for every node at one address, different across addresses", () => {
    expect(vtepMacFor("192.168.1.10")).toBe(vtepMacFor("192.168.1.10"));
    expect(vtepMacFor("192.168.1.10")).not.toBe(vtepMacFor("192.168.1.11"));
    expect(vtepMacFor("192.168.1.10")).toMatch(/^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/);
  });

  test("the overlay NAT masquerades the whole cluster range leaving it, as flannel does", () => {
    const script = overlayNatScript("10.42.0.0/16");
    expect(script).toContain("ip saddr 10.42.0.0/16 ip daddr 10.42.0.0/16 snat to ip saddr");
    expect(script).toContain("ip saddr 10.42.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random");
  });
});
