// Literal syntax as Go's strconv reads it: Unquote, UnquoteChar, and the
// number forms accepted by parse.newNumber (ParseInt/ParseUint base 0,
// ParseFloat, with underscores, hex floats and imaginary numbers).
import { quote } from "./quote.ts";
import { utf8Decode } from "./values.ts";

export class SyntaxError_ extends Error {}

const invalid = (): never => {
  throw new SyntaxError_("invalid syntax");
};

const unhex = (c: string | undefined): number => {
  if (c === undefined) return -1;
  const n = "0123456789abcdef".indexOf(c.toLowerCase());
  return n;
};

/** strconv.UnquoteChar: one (possibly escaped) character of s from index i. */
export function unquoteChar(s: string, i: number, q: string): { value: number; isByte: boolean; next: number } {
  if (i >= s.length) invalid();
  const c = s[i]!;
  if (c === q && (q === "'" || q === '"')) invalid();
  if (c !== "\\") {
    const cp = s.codePointAt(i)!;
    return { value: cp, isByte: false, next: i + (cp > 0xffff ? 2 : 1) };
  }
  if (i + 1 >= s.length) invalid();
  const e = s[i + 1]!;
  let j = i + 2;
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };
  if (e in simple) return { value: simple[e]!, isByte: false, next: j };
  if (e === "x" || e === "u" || e === "U") {
    const n = e === "x" ? 2 : e === "u" ? 4 : 8;
    let v = 0;
    for (let k = 0; k < n; k++) {
      const x = unhex(s[j + k]);
      if (x < 0) invalid();
      v = v * 16 + x;
    }
    j += n;
    if (e === "x") return { value: v, isByte: true, next: j };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) invalid();
    return { value: v, isByte: false, next: j };
  }
  if (e >= "0" && e <= "7") {
    let v = e.charCodeAt(0) - 48;
    for (let k = 0; k < 2; k++) {
      const d = (s[j + k] ?? "").charCodeAt(0) - 48;
      if (!(d >= 0 && d <= 7)) invalid();
      v = v * 8 + d;
    }
    j += 2;
    if (v > 255) invalid();
    return { value: v, isByte: true, next: j };
  }
  if (e === "'" || e === '"') {
    if (e !== q) invalid();
    return { value: e.charCodeAt(0), isByte: false, next: j };
  }
  return invalid();
}

const encoder = new TextEncoder();

/** strconv.Unquote for "..." and `...` strings. */
export function unquote(s: string): string {
  if (s.length < 2) invalid();
  const q = s[0]!;
  if (q !== s[s.length - 1]) invalid();
  const body = s.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) invalid();
    return body.replaceAll("\r", "");
  }
  if (q !== '"') invalid();
  if (body.includes("\n")) invalid();
  if (!body.includes("\\") && !body.includes('"')) return body;
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const { value, isByte, next } = unquoteChar(body, i, '"');
    if (isByte) bytes.push(value);
    else for (const b of encoder.encode(String.fromCodePoint(value))) bytes.push(b);
    i = next;
  }
  return utf8Decode(new Uint8Array(bytes));
}

export interface NumberValue {
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  real: number;
  imag: number;
}

function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s.length >= 1 && (s[0] === "-" || s[0] === "+")) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "box".includes((s[1] ?? "").toLowerCase())) {
    i = 2;
    saw = "0";
    hex = s[1]!.toLowerCase() === "x";
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const lc = c.toLowerCase();
    if ((c >= "0" && c <= "9") || (hex && lc >= "a" && lc <= "f")) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** strconv.ParseUint(s, 0, 64); undefined on any error. */
function parseUint(s: string): bigint | undefined {
  if (s.length === 0) return undefined;
  const s0 = s;
  let base = 10;
  if (s[0] === "0") {
    const p = (s[1] ?? "").toLowerCase();
    if (s.length >= 3 && p === "b") [base, s] = [2, s.slice(2)];
    else if (s.length >= 3 && p === "o") [base, s] = [8, s.slice(2)];
    else if (s.length >= 3 && p === "x") [base, s] = [16, s.slice(2)];
    else [base, s] = [8, s.slice(1)];
  }
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === "_") {
      underscores = true;
      continue;
    }
    const d = unhex(c);
    if (d < 0 || d >= base) return undefined;
    n = n * BigInt(base) + BigInt(d);
    if (n > UINT64_MAX) return undefined;
  }
  if (underscores && !underscoreOK(s0)) return undefined;
  return n;
}

function parseInt64(s: string): bigint | undefined {
  if (s.length === 0) return undefined;
  let neg = false;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  const u = parseUint(s);
  if (u === undefined) return undefined;
  if (!neg && u > INT64_MAX) return undefined;
  if (neg && u > INT64_MAX + 1n) return undefined;
  return neg ? -u : u;
}

/** strconv.ParseFloat(s, 64); undefined on syntax or range error. */
export function parseFloat64(s: string): number | undefined {
  if (s.includes("_") && !underscoreOK(s)) return undefined;
  let t = s.replaceAll("_", "");
  let neg = false;
  if (t[0] === "+" || t[0] === "-") {
    neg = t[0] === "-";
    t = t.slice(1);
  }
  let v: number;
  const hexm = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(t);
  if (hexm) {
    const intPart = hexm[1] ?? "";
    const frac = hexm[2] ?? "";
    if (intPart.length + frac.length === 0) return undefined;
    const mant = BigInt("0x" + (intPart + frac || "0"));
    v = Number(mant) * 2 ** (Number(hexm[3]) - 4 * frac.length);
  } else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    v = Number(t);
  } else return undefined;
  if (!Number.isFinite(v)) return undefined;
  return neg ? -v : v;
}

/** parse.newNumber: classify a number literal; throws with Go's message. */
export function parseNumber(text: string, isComplexItem: boolean): NumberValue {
  const n: NumberValue = { isInt: false, isUint: false, isFloat: false, isComplex: false, int64: 0n, uint64: 0n, float64: 0, real: 0, imag: 0 };
  const simplifyComplex = () => {
    if (n.imag === 0) {
      n.isFloat = true;
      n.float64 = n.real;
      if (Number.isInteger(n.real) && Math.abs(n.real) < 2 ** 63) {
        n.isInt = true;
        n.int64 = BigInt(n.real);
      }
      if (Number.isInteger(n.real) && n.real >= 0 && n.real < 2 ** 64) {
        n.isUint = true;
        n.uint64 = BigInt(n.real);
      }
    }
  };
  if (isComplexItem) {
    const m = /^([+-]?[^+-]+(?:[eEpP][+-][^+-]+)?)([+-].*)i$/.exec(text);
    const re = m ? parseFloat64(m[1]!) : undefined;
    const im = m ? parseFloat64(m[2]!) : undefined;
    if (re === undefined || im === undefined) throw new SyntaxError_(`expected integer`);
    n.isComplex = true;
    n.real = re;
    n.imag = im;
    simplifyComplex();
    return n;
  }
  if (text.endsWith("i")) {
    const f = parseFloat64(text.slice(0, -1));
    if (f !== undefined) {
      n.isComplex = true;
      n.imag = f;
      simplifyComplex();
      return n;
    }
  }
  const u = parseUint(text);
  if (u !== undefined) {
    n.isUint = true;
    n.uint64 = u;
  }
  const i = parseInt64(text);
  if (i !== undefined) {
    n.isInt = true;
    n.int64 = i;
    if (i === 0n) {
      n.isUint = true; // -0
      n.uint64 = u ?? 0n;
    }
  }
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = parseFloat64(text);
    if (f !== undefined) {
      if (!/[.eEpP]/.test(text)) throw new SyntaxError_(`integer overflow: ${quote(text)}`);
      n.isFloat = true;
      n.float64 = f;
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        n.isInt = true;
        n.int64 = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
        n.isUint = true;
        n.uint64 = BigInt(f);
      }
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) throw new SyntaxError_(`illegal number syntax: ${quote(text)}`);
  return n;
}

/** A character constant such as 'a' or '\n'. */
export function parseCharConstant(text: string): NumberValue {
  const { value, next } = unquoteChar(text, 1, "'");
  if (text.slice(next) !== "'") throw new SyntaxError_(`malformed character constant: ${text}`);
  const v = BigInt(value);
  return { isInt: true, isUint: true, isFloat: true, isComplex: false, int64: v, uint64: v, float64: value, real: 0, imag: 0 };
}
