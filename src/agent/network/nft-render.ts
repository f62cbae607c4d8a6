// Renders the whole service proxy as ONE nft script for `table ip skiff`: the table is
// declared, deleted and declared again with its full content in a single `nft -f`
// transaction, so the kernel swaps old rules for new atomically and a Service removed
// from the model leaves nothing behind. The layout follows kube-proxy's nftables mode.
import { shortHash, type ProxyModel, type ProxyServicePort } from "./proxy-model.ts";

export const NFT_TABLE = "skiff";
/** The mark kube-proxy uses for "masquerade this connection on the way out". */
export const MASQUERADE_MARK = 0x4000;

export type NftRenderOptions = {
  /** The cluster's pod range: traffic to a ClusterIP from outside it is masqueraded. */
  clusterCidr?: string;
};

const svcChain = (p: ProxyServicePort) => `svc-${shortHash(p.key)}-${p.key}`;
const extChain = (p: ProxyServicePort) => `ext-${shortHash(p.key)}-${p.key}`;
const epId = (p: ProxyServicePort, ip: string, port: number) => `${p.key}__${ip}/${port}`;
const epChain = (p: ProxyServicePort, ip: string, port: number) => `ep-${shortHash(epId(p, ip, port))}-${epId(p, ip, port)}`;
const affinitySet = (p: ProxyServicePort, ip: string, port: number) => `aff-${shortHash(epId(p, ip, port))}`;

function block(kind: "chain" | "map" | "set", name: string, lines: string[]): string[] {
  return [`\t${kind} ${name} {`, ...lines.map((l) => `\t\t${l}`), "\t}"];
}

function elements(entries: string[]): string[] {
  return entries.length ? [`elements = { ${entries.join(",\n\t\t\t")} }`] : [];
}

export function renderNftScript(model: ProxyModel, opts: NftRenderOptions = {}): string {
  const mark = `0x${MASQUERADE_MARK.toString(16)}`;
  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  const noEndpointServices: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const chains: string[] = [];
  const sets: string[] = [];

  for (const p of model.ports) {
    const ready = p.endpoints.length > 0;
    for (const ip of p.addresses) {
      const key = `${ip} . ${p.protocol} . ${p.port}`;
      if (ready) serviceIps.push(`${key} : goto ${svcChain(p)}`);
      else noEndpointServices.push(`${key} : goto reject-chain`);
    }
    if (p.nodePort) {
      const key = `${p.protocol} . ${p.nodePort}`;
      if (ready) nodePorts.push(`${key} : goto ${extChain(p)}`);
      else noEndpointNodePorts.push(`${key} : goto reject-chain`);
    }
    if (!ready) continue;

    const svcRules: string[] = [];
    // Connections to the virtual IP from outside the pod network (the node itself, other
    // hosts) need their source rewritten so replies come back through this node.
    if (opts.clusterCidr) {
      for (const ip of p.addresses) svcRules.push(`ip daddr ${ip} ${p.protocol} dport ${p.port} ip saddr != ${opts.clusterCidr} jump mark-for-masquerade`);
    }
    if (p.affinitySeconds) {
      for (const e of p.endpoints) svcRules.push(`ip saddr @${affinitySet(p, e.ip, e.port)} goto ${epChain(p, e.ip, e.port)}`);
    }
    if (p.endpoints.length === 1) {
      const e = p.endpoints[0]!;
      svcRules.push(`goto ${epChain(p, e.ip, e.port)}`);
    } else {
      const vmap = p.endpoints.map((e, i) => `${i} : goto ${epChain(p, e.ip, e.port)}`).join(", ");
      svcRules.push(`numgen random mod ${p.endpoints.length} vmap { ${vmap} }`);
    }
    chains.push(...block("chain", svcChain(p), svcRules));
    if (p.nodePort) chains.push(...block("chain", extChain(p), ["jump mark-for-masquerade", `goto ${svcChain(p)}`]));

    for (const e of p.endpoints) {
      const rules = [`ip saddr ${e.ip} jump mark-for-masquerade`]; // hairpin: a pod reaching itself
      if (p.affinitySeconds) {
        sets.push(...block("set", affinitySet(p, e.ip, e.port), ["type ipv4_addr", "flags dynamic,timeout", `timeout ${p.affinitySeconds}s`]));
        rules.push(`update @${affinitySet(p, e.ip, e.port)} { ip saddr }`);
      }
      rules.push(`meta l4proto ${p.protocol} dnat to ${e.ip}:${e.port}`);
      chains.push(...block("chain", epChain(p, e.ip, e.port), rules));
    }
  }

  const lines = [
    `table ip ${NFT_TABLE}`,
    `delete table ip ${NFT_TABLE}`,
    `table ip ${NFT_TABLE} {`,
    ...block("map", "service-ips", ["type ipv4_addr . inet_proto . inet_service : verdict", ...elements(serviceIps)]),
    ...block("map", "service-nodeports", ["type inet_proto . inet_service : verdict", ...elements(nodePorts)]),
    ...block("map", "no-endpoint-services", ["type ipv4_addr . inet_proto . inet_service : verdict", ...elements(noEndpointServices)]),
    ...block("map", "no-endpoint-nodeports", ["type inet_proto . inet_service : verdict", ...elements(noEndpointNodePorts)]),
    ...sets,
    // Filter hooks just before DNAT: a Service without ready endpoints is refused at once.
    ...block("chain", "filter-input", ["type filter hook input priority -110; policy accept;", "ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check"]),
    ...block("chain", "filter-forward", ["type filter hook forward priority -110; policy accept;", "ct state new jump service-endpoints-check"]),
    ...block("chain", "filter-output", ["type filter hook output priority -110; policy accept;", "ct state new jump service-endpoints-check"]),
    ...block("chain", "nodeport-endpoints-check", ["fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @no-endpoint-nodeports"]),
    ...block("chain", "service-endpoints-check", ["ip daddr . meta l4proto . th dport vmap @no-endpoint-services"]),
    // A TCP reset, not ICMP: an ICMP error that reaches a client socket still inside
    // connect() (a pod on this node gets it back within the same softirq) is only kept as
    // a soft error, so the client waits for its SYN retransmit, a second later. A reset is
    // queued to the socket and refuses the connection at once.
    ...block("chain", "reject-chain", ["meta l4proto tcp reject with tcp reset", "reject"]),
    ...block("chain", "nat-prerouting", ["type nat hook prerouting priority -100; policy accept;", "jump services"]),
    ...block("chain", "nat-output", ["type nat hook output priority -100; policy accept;", "jump services"]),
    ...block("chain", "nat-postrouting", ["type nat hook postrouting priority 100; policy accept;", "jump masquerading"]),
    ...block("chain", "masquerading", [`meta mark & ${mark} == 0 return`, `meta mark set meta mark ^ ${mark}`, "masquerade fully-random"]),
    ...block("chain", "mark-for-masquerade", [`meta mark set meta mark | ${mark}`]),
    ...block("chain", "services", ["ip daddr . meta l4proto . th dport vmap @service-ips", "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports"]),
    ...chains,
    "}",
    "",
  ];
  return lines.join("\n");
}

/** The script that removes everything the proxy made (used on uninstall). */
export function renderNftCleanup(): string {
  return `table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n`;
}
