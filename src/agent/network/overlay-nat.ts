// NAT for the pod network: pod-to-pod traffic across nodes keeps its source address, and
// pod-to-outside traffic is masqueraded. podman's netavark already masquerades everything
// leaving its bridge subnet — including traffic to other nodes' pods — in its own nat
// chain at priority 100. A chain of ours just before it (99) gives pod-to-pod connections
// a null NAT binding (`snat to ip saddr`), after which the kernel consults no later NAT
// chain, so netavark's rule never rewrites them. Connections the service proxy marked for
// masquerade (hairpin, node ports) are left to it. Like flannel's rules, these name the
// whole cluster range, not this node's subnet, so every agent on one host writes the same
// table.
import { MASQUERADE_MARK } from "./nft-render.ts";

export const OVERLAY_NAT_TABLE = "skiff-overlay";

export function overlayNatScript(clusterCidr: string): string {
  const mark = `0x${MASQUERADE_MARK.toString(16)}`;
  return [
    `table ip ${OVERLAY_NAT_TABLE}`,
    `delete table ip ${OVERLAY_NAT_TABLE}`,
    `table ip ${OVERLAY_NAT_TABLE} {`,
    "\tchain postrouting {",
    "\t\ttype nat hook postrouting priority 99; policy accept;",
    `\t\tmeta mark & ${mark} == ${mark} return`,
    `\t\tip saddr ${clusterCidr} ip daddr ${clusterCidr} snat to ip saddr`,
    `\t\tip saddr ${clusterCidr} ip daddr != 224.0.0.0/4 masquerade fully-random`,
    "\t}",
    "}",
    "",
  ].join("\n");
}

export function overlayNatCleanup(): string {
  return `table ip ${OVERLAY_NAT_TABLE}\ndelete table ip ${OVERLAY_NAT_TABLE}\n`;
}
