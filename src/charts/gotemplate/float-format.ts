// strconv.FormatFloat for the 'e', 'f' and 'g' formats. Digits come either
// from the shortest round-trip form (precision -1) or from the exact binary
// value rounded half-to-even, which is what Go does and JS toFixed does not.

interface Digits {
  d: string; // significant digits, no leading or trailing zeros ("" for zero)
  dp: number; // decimal point position: value = 0.d × 10^dp
}

function shortestDigits(x: number): Digits {
  if (x === 0) return { d: "", dp: 0 };
  const [mant, exp] = x.toExponential().split("e");
  const d = mant!.replace(".", "").replace(/0+$/, "");
  return { d, dp: Number(exp) + 1 };
}

function exactDigits(x: number): Digits {
  if (x === 0) return { d: "", dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const e = expBits === 0 ? -1074 : expBits - 1075;
  let s: string;
  let dp: number;
  if (e >= 0) {
    s = (mant << BigInt(e)).toString();
    dp = s.length;
  } else {
    s = (mant * 5n ** BigInt(-e)).toString();
    dp = s.length + e;
  }
  return { d: s.replace(/0+$/, ""), dp };
}

function shouldRoundUp(a: Digits, nd: number): boolean {
  if (a.d[nd] === "5" && nd + 1 === a.d.length) {
    // exactly halfway: round to even
    return nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  }
  return a.d[nd]! >= "5";
}

function round(a: Digits, nd: number): Digits {
  if (nd < 0 || nd >= a.d.length) return a;
  if (!shouldRoundUp(a, nd)) {
    const d = a.d.slice(0, nd).replace(/0+$/, "");
    return { d, dp: d.length === 0 ? 0 : a.dp };
  }
  let i = nd - 1;
  while (i >= 0 && a.d[i] === "9") i--;
  if (i < 0) return { d: "1", dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

function fmtE(neg: boolean, a: Digits, prec: number, fmt: string): string {
  let out = neg ? "-" : "";
  out += a.d.length === 0 ? "0" : a.d[0];
  if (prec > 0) {
    out += ".";
    let i = 1;
    const m = Math.min(a.d.length, prec + 1);
    if (i < m) {
      out += a.d.slice(i, m);
      i = m;
    }
    out += "0".repeat(Math.max(0, prec + 1 - i));
  }
  out += fmt;
  let exp = a.dp - 1;
  if (a.d.length === 0) exp = 0;
  out += exp < 0 ? "-" : "+";
  exp = Math.abs(exp);
  out += exp < 10 ? "0" + exp : String(exp);
  return out;
}

function fmtF(neg: boolean, a: Digits, prec: number): string {
  let out = neg ? "-" : "";
  if (a.dp > 0) {
    const m = Math.min(a.d.length, a.dp);
    out += a.d.slice(0, m) + "0".repeat(a.dp - m);
  } else out += "0";
  if (prec > 0) {
    out += ".";
    for (let i = 1; i <= prec; i++) {
      const j = a.dp + i - 1;
      out += j >= 0 && j < a.d.length ? a.d[j] : "0";
    }
  }
  return out;
}

/** strconv.FormatFloat(x, fmt, prec, 64) for fmt in e E f g G; prec -1 = shortest. */
export function formatFloat(x: number, fmt: "e" | "E" | "f" | "g" | "G", prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let a: Digits;
  if (shortest) {
    a = shortestDigits(abs);
    if (fmt === "e" || fmt === "E") prec = Math.max(a.d.length - 1, 0);
    else if (fmt === "f") prec = Math.max(a.d.length - a.dp, 0);
    else prec = a.d.length;
  } else {
    a = exactDigits(abs);
    if (fmt === "e" || fmt === "E") a = round(a, prec + 1);
    else if (fmt === "f") a = round(a, a.dp + prec);
    else {
      if (prec === 0) prec = 1;
      a = round(a, prec);
    }
  }
  if (fmt === "e" || fmt === "E") return fmtE(neg, a, prec, fmt);
  if (fmt === "f") return fmtF(neg, a, prec);
  let eprec = prec;
  if (eprec > a.d.length && a.d.length >= a.dp) eprec = a.d.length;
  if (shortest) eprec = 6; // %e is used when the exponent is < -4 or >= this precision
  const exp = a.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > a.d.length) prec = a.d.length;
    return fmtE(neg, a, prec - 1, fmt === "g" ? "e" : "E");
  }
  if (prec > a.dp) prec = a.d.length;
  return fmtF(neg, a, Math.max(prec - a.dp, 0));
}
