// IPv4 arithmetic on plain numbers: enough for service and pod ranges, no library needed.

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export type Ipv4Cidr = { cidr: string; base: number; bits: number; size: number };

export function parseCidr(cidr: string): Ipv4Cidr {
  const [ip, bitsText] = cidr.split("/");
  const addr = ipToInt(ip ?? "");
  const bits = Number(bitsText);
  if (addr === undefined || !Number.isInteger(bits) || bits < 1 || bits > 30) throw new Error(`invalid IPv4 CIDR: ${cidr}`);
  const size = 2 ** (32 - bits);
  const base = addr - (addr % size);
  return { cidr: `${intToIp(base)}/${bits}`, base, bits, size };
}

export function cidrContains(c: Ipv4Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + c.size;
}

/** The n-th address of a range (0 = network address). */
export function nthAddress(cidr: string, n: number): string {
  const c = parseCidr(cidr);
  return intToIp(c.base + n);
}
