// Subject alternative names of the serving certificate: which names a client may dial and
// still verify the server, and how to tell whether an existing certificate covers them.
import { isIP } from "node:net";

export type SanSet = { dns: string[]; ips: string[] };

/** Names every skiff server answers to, whatever the host (in-cluster names included, as upstream). */
const FIXED_DNS = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];
const FIXED_IPS = ["127.0.0.1", "::1"];
const WILDCARD_BINDS = new Set(["0.0.0.0", "::"]);

/** One spelling per address (e.g. "0:0::1" and "::1" are the same), so comparisons are exact. */
export function canonicalIp(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return bare;
}

function addName(set: SanSet, name: string): void {
  const trimmed = name.trim().replace(/^\[|\]$/g, "");
  if (!trimmed) return;
  if (isIP(trimmed.replace(/%.*$/, ""))) {
    const ip = canonicalIp(trimmed);
    if (!set.ips.includes(ip)) set.ips.push(ip);
  } else {
    const dns = trimmed.toLowerCase().replace(/\.$/, "");
    if (!set.dns.includes(dns)) set.dns.push(dns);
  }
}

/** Sorts names into DNS names and IPs, one canonical spelling each, first occurrence kept. */
export function sanSetOf(names: string[]): SanSet {
  const set: SanSet = { dns: [], ips: [] };
  for (const n of names) addName(set, n);
  return set;
}

/** The SANs a server with this host name and bind address needs, plus any extra names or IPs. */
export function requestedSans(opts: { hostname: string; bindAddress: string; extraSans?: string[] }): SanSet {
  const set: SanSet = { dns: [], ips: [] };
  for (const n of FIXED_DNS) addName(set, n);
  if (opts.hostname) addName(set, opts.hostname);
  for (const ip of FIXED_IPS) addName(set, ip);
  const bind = opts.bindAddress.replace(/^\[|\]$/g, "");
  if (bind && !WILDCARD_BINDS.has(canonicalIp(bind))) addName(set, bind);
  for (const extra of opts.extraSans ?? []) addName(set, extra);
  return set;
}

/** Names of `wanted` that `have` lacks. */
export function missingSans(have: SanSet, wanted: SanSet): SanSet {
  const ips = new Set(have.ips.map(canonicalIp));
  const dns = new Set(have.dns.map((d) => d.toLowerCase()));
  return { dns: wanted.dns.filter((d) => !dns.has(d)), ips: wanted.ips.filter((i) => !ips.has(canonicalIp(i))) };
}

/** Both sets together, `first`'s order kept. */
export function unionSans(first: SanSet, second: SanSet): SanSet {
  const more = missingSans(first, second);
  return { dns: [...first.dns, ...more.dns], ips: [...first.ips, ...more.ips] };
}
