// sprig's integer (int64, as bigint) and float64 math functions, and number conversions.
import { toFloat64, toInt64, strval } from "./go-values.ts";

type F = (...args: any[]) => unknown;

/** shopspring/decimal-style exact arithmetic for addf/subf/mulf: go through decimal strings. */
function decimalParts(f: number): [bigint, number] {
  const s = String(f);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([-+]\d+))?$/.exec(s);
  if (!m) return [BigInt(Math.round(f)), 0];
  const frac = m[3] ?? "";
  let scale = frac.length - Number(m[4] ?? 0);
  let digits = BigInt(m[2]! + frac);
  if (scale < 0) { digits *= 10n ** BigInt(-scale); scale = 0; }
  return [m[1] ? -digits : digits, scale];
}
function fromDecimal(d: bigint, scale: number): number {
  if (scale === 0) return Number(d);
  const neg = d < 0n;
  const s = (neg ? -d : d).toString().padStart(scale + 1, "0");
  return Number(`${neg ? "-" : ""}${s.slice(0, -scale)}.${s.slice(-scale)}`);
}
function decAdd(a: number, b: number, sign: 1n | -1n): number {
  const [da, sa] = decimalParts(a), [db, sb] = decimalParts(b);
  const s = Math.max(sa, sb);
  return fromDecimal(da * 10n ** BigInt(s - sa) + sign * db * 10n ** BigInt(s - sb), s);
}
function decMul(a: number, b: number): number {
  const [da, sa] = decimalParts(a), [db, sb] = decimalParts(b);
  return fromDecimal(da * db, sa + sb);
}

function goRound(a: number, p: number, rOpt = 0.5): number {
  // sprig round: math.Round-like with custom threshold
  const pow = Math.pow(10, p);
  const digit = pow * a;
  const [intPart, frac] = [Math.trunc(digit), digit - Math.trunc(digit)];
  let round = intPart;
  if (Math.abs(frac) >= rOpt) round = digit < 0 ? Math.floor(digit) : Math.ceil(digit);
  return round / pow;
}

function seq(...params: unknown[]): string {
  const n = params.map((p) => Number(toInt64(p)));
  let start = 1, end = 0, step = 1;
  if (n.length === 1) { end = n[0]!; if (end < start) step = -1; }
  else if (n.length === 2) { start = n[0]!; end = n[1]!; if (end < start) step = -1; }
  else if (n.length === 3) { start = n[0]!; step = n[1]!; end = n[2]!; if ((end < start && step > 0) || (end > start && step < 0) || step === 0) return ""; }
  else return "";
  const out: number[] = [];
  if (step > 0) for (let i = start; i <= end; i += step) out.push(i);
  else for (let i = start; i >= end; i += step) out.push(i);
  return out.join(" ");
}

function untilStep(start: bigint, stop: bigint, step: bigint): bigint[] {
  const out: bigint[] = [];
  if (step === 0n) return out;
  if (stop < start) { if (step >= 0n) return out; for (let i = start; i > stop; i += step) out.push(i); return out; }
  if (step <= 0n) return out;
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
}

const I = toInt64;

export const mathFuncs: Record<string, F> = {
  add1: (i: unknown) => I(i) + 1n,
  add: (...xs: unknown[]) => xs.reduce<bigint>((a, x) => BigInt.asIntN(64, a + I(x)), 0n),
  sub: (a: unknown, b: unknown) => BigInt.asIntN(64, I(a) - I(b)),
  mul: (a: unknown, ...xs: unknown[]) => xs.reduce<bigint>((acc, x) => BigInt.asIntN(64, acc * I(x)), I(a)),
  div: (a: unknown, b: unknown) => { const d = I(b); if (d === 0n) throw new Error("runtime error: integer divide by zero"); return I(a) / d; },
  mod: (a: unknown, b: unknown) => { const d = I(b); if (d === 0n) throw new Error("runtime error: integer divide by zero"); return I(a) % d; },
  max: (a: unknown, ...xs: unknown[]) => xs.reduce<bigint>((m, x) => (I(x) > m ? I(x) : m), I(a)),
  biggest: (a: unknown, ...xs: unknown[]) => xs.reduce<bigint>((m, x) => (I(x) > m ? I(x) : m), I(a)),
  min: (a: unknown, ...xs: unknown[]) => xs.reduce<bigint>((m, x) => (I(x) < m ? I(x) : m), I(a)),
  add1f: (i: unknown) => decAdd(toFloat64(i), 1, 1n),
  addf: (...xs: unknown[]) => xs.reduce<number>((a, x) => decAdd(a, toFloat64(x), 1n), 0),
  subf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((acc, x) => decAdd(acc, toFloat64(x), -1n), toFloat64(a)),
  mulf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((acc, x) => decMul(acc, toFloat64(x)), toFloat64(a)),
  divf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((acc, x) => { const d = toFloat64(x); if (d === 0) throw new Error("decimal division by 0"); return Number((acc / d).toPrecision(16)); }, toFloat64(a)),
  maxf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((m, x) => Math.max(m, toFloat64(x)), toFloat64(a)),
  minf: (a: unknown, ...xs: unknown[]) => xs.reduce<number>((m, x) => Math.min(m, toFloat64(x)), toFloat64(a)),
  ceil: (a: unknown) => Math.ceil(toFloat64(a)),
  floor: (a: unknown) => Math.floor(toFloat64(a)),
  round: (a: unknown, p: unknown, r?: unknown) => goRound(toFloat64(a), Number(toInt64(p)), r === undefined ? 0.5 : toFloat64(r)),
  seq,
  until: (n: unknown) => { const c = I(n); return untilStep(0n, c, c < 0n ? -1n : 1n); },
  untilStep: (a: unknown, b: unknown, s: unknown) => untilStep(I(a), I(b), I(s)),
  int64: (v: unknown) => I(v),
  int: (v: unknown) => I(v),
  float64: (v: unknown) => toFloat64(v),
  atoi: (s: unknown) => { const t = strval(s); return /^[-+]?\d+$/.test(t) ? BigInt(t) : 0n; },
  toDecimal: (v: unknown) => { const t = strval(v); return /^[-+]?[0-7]+$/.test(t) ? BigInt(parseInt(t, 8)) : 0n; },
};
