// resource.Quantity arithmetic for quota and limit ranges: exact (thousandths as BigInt,
// so 1Ei of memory and 1m of cpu add up without rounding) and printed in upstream's
// canonical form ("1500m", "1536Mi", "2k"), since those strings reach kubectl verbatim.
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

export type Quantity = { milli: bigint; binary: boolean };

export const ZERO: Quantity = { milli: 0n, binary: false };

/** A quantity string (or a JSON number) as thousandths of its unit; undefined when it is not a quantity. Sub-milli values round up, as MilliValue does. */
export function parseQuantity(q: unknown): Quantity | undefined {
  if (typeof q === "number") q = String(q);
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?)(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/.exec(q.trim());
  if (!m) return undefined;
  const [int = "", frac = ""] = m[2]!.split(".");
  let digits = BigInt((int || "0") + frac);
  let exp = -frac.length + 3; // thousandths
  let binary = false;
  if (m[3] !== undefined) exp += Number(m[3]);
  else if (m[4] && BINARY[m[4]]) {
    digits *= BINARY[m[4]]!;
    binary = true;
  } else exp += DECIMAL_EXP[m[4] ?? ""]!;
  if (exp > 40 || exp < -40) return undefined;
  let milli: bigint;
  if (exp >= 0) milli = digits * 10n ** BigInt(exp);
  else {
    const d = 10n ** BigInt(-exp);
    milli = digits / d + (digits % d ? 1n : 0n);
  }
  return { milli: m[1] === "-" ? -milli : milli, binary };
}

export const add = (a: Quantity, b: Quantity): Quantity => ({ milli: a.milli + b.milli, binary: a.milli === 0n ? b.binary : a.binary });
export const max = (a: Quantity, b: Quantity): Quantity => (b.milli > a.milli ? b : a);

/** Canonical text: binary suffixes for a binary quantity of whole multiples of 1Ki, else the largest exact decimal suffix. */
export function formatQuantity(q: Quantity): string {
  const v = q.milli;
  if (v === 0n) return "0";
  const sign = v < 0n ? "-" : "";
  const abs = v < 0n ? -v : v;
  if (abs % 1000n !== 0n) return `${sign}${abs}m`;
  const units = abs / 1000n;
  if (q.binary && units % 1024n === 0n) {
    let suffix = "";
    let n = units;
    for (const s of ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]) {
      if (n % 1024n !== 0n) break;
      n /= 1024n;
      suffix = s;
    }
    return `${sign}${n}${suffix}`;
  }
  let n = units;
  let i = 0;
  const suffixes = ["", "k", "M", "G", "T", "P", "E"];
  while (i < suffixes.length - 1 && n % 1000n === 0n) {
    n /= 1000n;
    i++;
  }
  return `${sign}${n}${suffixes[i]}`;
}

/** A ResourceList (name → quantity text) parsed; entries that are not quantities are left out. */
export function parseList(list: Record<string, unknown> | undefined): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseQuantity(v);
    if (q) out.set(k, q);
  }
  return out;
}

export function formatList(list: Map<string, Quantity>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...list.keys()].sort()) out[k] = formatQuantity(list.get(k)!);
  return out;
}
