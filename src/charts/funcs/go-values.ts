// Go value semantics the function map needs: fmt's %v and %q, sprig's strval/strslice,
// cast.ToInt64/ToFloat64, emptiness, and encoding/json's output.
import { formatFloatG } from "../yaml/go-yaml-scalar.ts";
import { compareYamlKeys } from "../yaml/go-yaml-key-order.ts";

export type Dict = Record<string, unknown>;
export const isDict = (v: unknown): v is Dict =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array) && Object.getPrototypeOf(v) === Object.prototype;

/** fmt's %v for float64: strconv 'g' shortest, but exponent only from 1e21. */
export function formatFloatV(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mant, e] = f.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 21) return `${mant}e${exp < 0 ? "-" : "+"}${Math.abs(exp) < 10 ? "0" : ""}${Math.abs(exp)}`;
  return String(f);
}

/** fmt.Sprint("%v") of a Go-shaped value. */
export function goFormat(v: unknown, top = true): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return formatFloatV(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Uint8Array) return `[${[...v].join(" ")}]`;
  if (Array.isArray(v)) return `[${v.map((x) => goFormat(x, false)).join(" ")}]`;
  if (typeof v === "object") {
    const s = (v as { toString?: () => string }).toString;
    if (!isDict(v) && typeof s === "function" && s !== Object.prototype.toString) return s.call(v);
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goFormat((v as Dict)[k], false)}`).join(" ")}]`;
  }
  void top;
  return String(v);
}

/** sprig's strval. */
export function strval(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v instanceof Error) return v.message;
  return goFormat(v);
}

/** sprig's strslice: a list of strings (nil items of []interface{} dropped). */
export function strslice(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  return [strval(v)];
}

/** Go's strconv.Quote. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (cp === 7) out += "\\a";
    else if (cp === 8) out += "\\b";
    else if (cp === 12) out += "\\f";
    else if (cp === 10) out += "\\n";
    else if (cp === 13) out += "\\r";
    else if (cp === 9) out += "\\t";
    else if (cp === 11) out += "\\v";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad || (cp >= 0x2028 && cp <= 0x2029) || cp === 0xfeff) out += cp > 0xffff ? "\\U" + cp.toString(16).padStart(8, "0") : "\\u" + cp.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** cast.ToInt64E: numbers truncate, strings parse (base prefixes allowed), bools 1/0. */
export function toInt64(v: unknown): bigint {
  if (typeof v === "bigint") return BigInt.asIntN(64, v);
  if (typeof v === "number") return Number.isFinite(v) ? BigInt.asIntN(64, BigInt(Math.trunc(v))) : 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string") {
    const s = v.trim();
    const m = /^([-+]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s);
    if (!m) return 0n;
    let body = m[2]!.replaceAll("_", "");
    if (/^0[0-7]+$/.test(body)) body = "0o" + body.slice(1);
    try {
      const n = BigInt(body);
      const r = m[1] === "-" ? -n : n;
      return r >= -(2n ** 63n) && r < 2n ** 63n ? r : 0n;
    } catch { return 0n; }
  }
  return 0n;
}

/** cast.ToFloat64E. */
export function toFloat64(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const s = v.trim();
    if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
    if (/^[-+]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
    return 0;
  }
  return 0;
}

/** sprig's empty(): Go's zero-value test on the dynamic value. */
export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "string") return v.length === 0;
  if (typeof v === "boolean") return !v;
  if (typeof v === "number") return v === 0;
  if (typeof v === "bigint") return v === 0n;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  if (isDict(v)) return Object.keys(v).length === 0;
  return false;
}

/** Go's reflect type name of a value in the template value model. */
export function goTypeOf(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof Uint8Array) return "[]uint8";
  if (isDict(v)) return "map[string]interface {}";
  return (v as object).constructor?.name ?? "struct";
}

export function goKindOf(v: unknown): string {
  if (v === null || v === undefined) return "invalid";
  if (typeof v === "string") return "string";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v) || v instanceof Uint8Array) return "slice";
  if (isDict(v)) return "map";
  return "ptr";
}

// ---- encoding/json ----

function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${formatFloatV(f)}`);
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    const [m, e] = f.toExponential().split("e") as [string, string];
    return `${m}e${e}`; // JS already writes e-7 / e+21 (Go strips the leading zero the same way)
  }
  return String(f);
}

function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (cp === 10) out += "\\n";
    else if (cp === 13) out += "\\r";
    else if (cp === 9) out += "\\t";
    else if (cp === 8) out += "\\b";
    else if (cp === 12) out += "\\f";
    else if (cp < 0x20 || ch === "<" || ch === ">" || ch === "&" || cp === 0x2028 || cp === 0x2029) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** json.Marshal (indent "" → compact; otherwise MarshalIndent with that indent). */
export function goJson(v: unknown, indent = "", level = 0): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return jsonString(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return jsonFloat(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Uint8Array) return jsonString(Buffer.from(v).toString("base64"));
  const nl = indent ? "\n" + indent.repeat(level + 1) : "";
  const end = indent ? "\n" + indent.repeat(level) : "";
  const sep = indent ? ": " : ":";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return "[" + v.map((x) => nl + goJson(x, indent, level + 1)).join(",") + end + "]";
  }
  const obj = v as Dict & { toJSON?: () => unknown };
  if (typeof obj.toJSON === "function") return goJson(obj.toJSON(), indent, level);
  const keys = Object.keys(obj).filter((k) => typeof obj[k] !== "function").sort();
  if (keys.length === 0) return "{}";
  return "{" + keys.map((k) => nl + jsonString(k) + sep + goJson(obj[k], indent, level + 1)).join(",") + end + "}";
}

/** Parse JSON into the Go value model (numbers float64, objects plain). */
export function parseGoJson(s: string): unknown {
  return JSON.parse(s);
}

export { formatFloatG, compareYamlKeys };
