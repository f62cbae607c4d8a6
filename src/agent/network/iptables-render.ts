// The fallback for hosts without `nft`: the same model as iptables-restore input. All
// rules live in a few fixed chains (no per-Service chains), so one restore of each
// table with those chains declared (which flushes them) replaces everything atomically
// and a removed Service leaves no chain behind.
import type { ProxyModel, ProxyServicePort } from "./proxy-model.ts";
import { MASQUERADE_MARK, type NftRenderOptions } from "./nft-render.ts";
import { shortHash } from "./proxy-model.ts";

export const IPTABLES_CHAINS = {
  nat: ["SKIFF-SERVICES", "SKIFF-POSTROUTING"],
  filter: ["SKIFF-FILTER"],
  /** [table, skiff chain, built-in chain that jumps to it] */
  jumps: [
    ["nat", "SKIFF-SERVICES", "PREROUTING"],
    ["nat", "SKIFF-SERVICES", "OUTPUT"],
    ["nat", "SKIFF-POSTROUTING", "POSTROUTING"],
    ["filter", "SKIFF-FILTER", "INPUT"],
    ["filter", "SKIFF-FILTER", "FORWARD"],
    ["filter", "SKIFF-FILTER", "OUTPUT"],
  ] as const,
};

const mark = `0x${MASQUERADE_MARK.toString(16)}`;

function matchers(p: ProxyServicePort): { match: string; external: boolean }[] {
  const out = p.addresses.map((ip) => ({ match: `-d ${ip}/32 -p ${p.protocol} -m ${p.protocol} --dport ${p.port}`, external: false }));
  if (p.nodePort) out.push({ match: `-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -p ${p.protocol} -m ${p.protocol} --dport ${p.nodePort}`, external: true });
  return out;
}

export function renderIptablesRestore(model: ProxyModel, opts: NftRenderOptions = {}): string {
  const nat: string[] = [];
  const filter: string[] = [];
  const hairpins = new Set<string>();
  for (const p of model.ports) {
    const comment = `-m comment --comment "${p.key}"`;
    for (const { match, external } of matchers(p)) {
      if (!p.endpoints.length) {
        // TCP gets a reset: see the nftables reject-chain for why ICMP is not enough.
        filter.push(`-A SKIFF-FILTER ${match} ${comment} -j REJECT${p.protocol === "tcp" ? " --reject-with tcp-reset" : ""}`);
        continue;
      }
      if (external) nat.push(`-A SKIFF-SERVICES ${match} ${comment} -j MARK --or-mark ${mark}`);
      else if (opts.clusterCidr) nat.push(`-A SKIFF-SERVICES ${match} ! -s ${opts.clusterCidr} ${comment} -j MARK --or-mark ${mark}`);
      const n = p.endpoints.length;
      if (p.affinitySeconds) {
        for (const e of p.endpoints) {
          const name = `skiff-${shortHash(`${p.key}__${e.ip}/${e.port}`)}`;
          nat.push(`-A SKIFF-SERVICES ${match} ${comment} -m recent --name ${name} --rcheck --seconds ${p.affinitySeconds} --reap -m recent --name ${name} --set -j DNAT --to-destination ${e.ip}:${e.port}`);
        }
      }
      p.endpoints.forEach((e, i) => {
        // Rule i catches 1/(n-i) of what rules before it let through: an even spread.
        const chance = i === n - 1 ? "" : ` -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)}`;
        const remember = p.affinitySeconds ? ` -m recent --name skiff-${shortHash(`${p.key}__${e.ip}/${e.port}`)} --set` : "";
        nat.push(`-A SKIFF-SERVICES ${match} ${comment}${chance}${remember} -j DNAT --to-destination ${e.ip}:${e.port}`);
      });
    }
    for (const e of p.endpoints) hairpins.add(e.ip);
  }
  const post = [...hairpins].sort().map((ip) => `-A SKIFF-POSTROUTING -s ${ip}/32 -d ${ip}/32 -m conntrack --ctstate DNAT -j MASQUERADE`);
  post.push(`-A SKIFF-POSTROUTING -m mark --mark ${mark}/${mark} -j MASQUERADE --random-fully`);
  return [
    "*nat",
    ...IPTABLES_CHAINS.nat.map((c) => `:${c} - [0:0]`),
    ...nat,
    ...post,
    "COMMIT",
    "*filter",
    ...IPTABLES_CHAINS.filter.map((c) => `:${c} - [0:0]`),
    ...filter.map((r) => r.replace("-A SKIFF-FILTER ", "-A SKIFF-FILTER -m conntrack --ctstate NEW ")),
    "COMMIT",
    "",
  ].join("\n");
}

/** Flushes and deletes skiff's chains (the jumps to them must be gone first). */
export function renderIptablesCleanup(): string {
  return [
    "*nat",
    ...IPTABLES_CHAINS.nat.map((c) => `:${c} - [0:0]`),
    ...IPTABLES_CHAINS.nat.map((c) => `-X ${c}`),
    "COMMIT",
    "*filter",
    ...IPTABLES_CHAINS.filter.map((c) => `:${c} - [0:0]`),
    ...IPTABLES_CHAINS.filter.map((c) => `-X ${c}`),
    "COMMIT",
    "",
  ].join("\n");
}
