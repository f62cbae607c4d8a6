// Helm's --set / --set-string / --set-file / --set-json / --set-literal parser
// (pkg/strvals): "a.b=c,d[0].e={x,y}" with backslash escapes, list indexes and, for
// --set, type inference (true/false/null, integers without a leading zero → int64).
import type { Values } from "./coalesce.ts";

const MAX_INDEX = 65536;
const MAX_NESTED_NAME_LEVEL = 30;

class EOF extends Error { constructor() { super("EOF"); } }
class NotList extends Error { constructor() { super("not a list"); } }
export class StrvalsError extends Error {}

type Reader = (rs: string) => unknown;

class Scanner {
  private i = 0;
  private readonly cps: string[];
  constructor(s: string) { this.cps = [...s]; }
  read(): string | null { return this.i < this.cps.length ? this.cps[this.i++]! : null; }
  unread() { this.i--; }
  rest(): string { return this.cps.slice(this.i).join(""); }
  skip(nChars: number) { this.i += nChars; }
}

/** Helm's typedVal: the --set type inference. Integers become bigint (Go int64). */
export function typedVal(val: string, stringOnly: boolean): unknown {
  if (stringOnly) return val;
  const l = val.toLowerCase();
  if (l === "true") return true;
  if (l === "false") return false;
  if (l === "null") return null;
  if (val === "0") return 0n;
  if (val.length > 0 && val[0] !== "0" && /^[-+]?[0-9]+$/.test(val)) {
    const n = BigInt(val);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
  }
  return val;
}

function runesUntil(sc: Scanner, stop: string): [string, string | null, boolean] {
  let v = "";
  for (;;) {
    const r = sc.read();
    if (r === null) return [v, null, true];
    if (stop.includes(r)) return [v, r, false];
    if (r === "\\") {
      const next = sc.read();
      if (next === null) return [v, null, true];
      v += next;
    } else v += r;
  }
}

function set(data: Values, key: string, val: unknown) {
  if (key.length === 0) return;
  data[key] = val;
}

function setIndex(list: unknown[], index: number, val: unknown): unknown[] {
  if (index < 0) throw new StrvalsError(`negative ${index} index not allowed`);
  if (index > MAX_INDEX) throw new StrvalsError(`index of ${index} is greater than maximum supported index of ${MAX_INDEX}`);
  while (list.length <= index) list.push(null);
  list[index] = val;
  return list;
}

/** Length (in code points) of the JSON value at the start of `s`, as Go's json.Decoder consumes it. */
function decodeJsonPrefix(s: string): [unknown, number] {
  const t = s.replace(/^\s+/, "");
  const lead = s.length - t.length;
  let end = 0;
  const c = t[0];
  if (c === "{" || c === "[") {
    let depth = 0, inStr = false;
    for (let i = 0; i < t.length; i++) {
      const ch = t[i];
      if (inStr) { if (ch === "\\") i++; else if (ch === '"') inStr = false; continue; }
      if (ch === '"') inStr = true;
      else if (ch === "{" || ch === "[") depth++;
      else if (ch === "}" || ch === "]") { depth--; if (depth === 0) { end = i + 1; break; } }
    }
  } else if (c === '"') {
    for (let i = 1; i < t.length; i++) {
      if (t[i] === "\\") i++;
      else if (t[i] === '"') { end = i + 1; break; }
    }
  } else {
    const m = /^(-?[0-9][0-9.eE+-]*|true|false|null)/.exec(t);
    end = m ? m[0].length : 0;
  }
  if (end === 0) throw new StrvalsError("invalid character in JSON value");
  const text = t.slice(0, end);
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new StrvalsError((e as Error).message); }
  return [v, [...s.slice(0, lead + end)].length];
}

class Parser {
  constructor(private sc: Scanner, private data: Values, private reader: Reader, private isJson = false) {}

  parse() {
    for (;;) {
      try { this.key(this.data, 0); } catch (e) { if (e instanceof EOF) return; throw e; }
    }
  }

  emptyVal(): boolean {
    for (;;) {
      const r = this.sc.read();
      if (r === null) return true;
      if (r === ",") return true;
      if (!/\s/.test(r)) { this.sc.unread(); return false; }
    }
  }

  jsonVal(): unknown {
    const [v, n] = decodeJsonPrefix(this.sc.rest());
    this.sc.skip(n);
    this.emptyVal();
    return v;
  }

  val(): string { return runesUntil(this.sc, ",")[0]; }

  valList(): unknown[] {
    const r = this.sc.read();
    if (r === null) throw new EOF();
    if (r !== "{") { this.sc.unread(); throw new NotList(); }
    const list: unknown[] = [];
    for (;;) {
      const [rs, last, eof] = runesUntil(this.sc, ",}");
      if (eof) throw new StrvalsError("list must terminate with '}'");
      if (last === "}") {
        const nx = this.sc.read();
        if (nx !== null && nx !== ",") this.sc.unread();
        list.push(this.reader(rs));
        return list;
      }
      list.push(this.reader(rs));
    }
  }

  /** The value after "=": a {list}, or a scalar through the reader. Returns [value, hitEOF]. */
  value(): [unknown, boolean] {
    try {
      return [this.valList(), false];
    } catch (e) {
      if (e instanceof EOF) return ["", true];
      if (!(e instanceof NotList)) throw e;
    }
    const rs = this.val();
    return [this.reader(rs), false];
  }

  keyIndex(): number {
    const [v, , eof] = runesUntil(this.sc, "]");
    if (eof) throw new EOF();
    if (!/^[-+]?[0-9]+$/.test(v)) throw new StrvalsError(`error parsing index: strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  }

  key(data: Values, level: number): void {
    const [k, last, eof] = runesUntil(this.sc, "=[,.");
    if (eof) {
      if (k.length === 0) throw new EOF();
      throw new StrvalsError(`key ${JSON.stringify(k)} has no value`);
    }
    if (last === "[") {
      const i = this.keyIndex();
      let list: unknown[] = [];
      if (k in data) {
        if (!Array.isArray(data[k])) throw new StrvalsError(`unable to parse key: interface conversion: interface {} is ${goType(data[k])}, not []interface {}`);
        list = data[k] as unknown[];
      }
      const out = this.listItem(list, i, level);
      set(data, k, out);
      return;
    }
    if (last === "=") {
      if (this.isJson) {
        if (this.emptyVal()) { set(data, k, null); return; }
        set(data, k, this.jsonVal());
        return;
      }
      const [v, hitEof] = this.value();
      set(data, k, v);
      if (hitEof) throw new EOF();
      return;
    }
    if (last === ",") {
      set(data, k, "");
      throw new StrvalsError(`key ${JSON.stringify(k)} has no value (cannot end with ,)`);
    }
    // last === "."
    level++;
    if (level > MAX_NESTED_NAME_LEVEL) throw new StrvalsError(`value name nested level is greater than maximum supported nested level of ${MAX_NESTED_NAME_LEVEL}`);
    let inner: Values = {};
    if (k in data) {
      const cur = data[k];
      if (cur === null || typeof cur !== "object" || Array.isArray(cur)) throw new StrvalsError(`unable to parse key: interface conversion: interface {} is ${goType(cur)}, not map[string]interface {}`);
      inner = cur as Values;
    }
    let err: unknown = null;
    try { this.key(inner, level); } catch (e) { err = e; }
    if (err === null && Object.keys(inner).length === 0) throw new StrvalsError(`key map ${JSON.stringify(k)} has no value`);
    if (Object.keys(inner).length !== 0) set(data, k, inner);
    if (err) throw err;
  }

  listItem(list: unknown[], i: number, level: number): unknown[] {
    if (i < 0) throw new StrvalsError(`negative ${i} index not allowed`);
    const [k, last, eof] = runesUntil(this.sc, "[.=");
    if (k.length > 0) throw new StrvalsError(`unexpected data at end of array index: ${JSON.stringify(k)}`);
    if (eof) throw new EOF();
    if (last === "=") {
      if (this.isJson) {
        if (this.emptyVal()) return setIndex(list, i, null);
        return setIndex(list, i, this.jsonVal());
      }
      const [v, hitEof] = this.value();
      return setIndex(list, i, hitEof ? "" : v);
    }
    if (last === "[") {
      const nextI = this.keyIndex();
      let crt: unknown[] = [];
      if (list.length > i && list[i] !== null) {
        if (!Array.isArray(list[i])) throw new StrvalsError(`unable to parse key: interface conversion: interface {} is ${goType(list[i])}, not []interface {}`);
        crt = list[i] as unknown[];
      }
      const l2 = this.listItem(crt, nextI, level);
      return setIndex(list, i, l2);
    }
    let inner: Values = {};
    if (list.length > i) {
      const cur = list[i];
      if (cur && typeof cur === "object" && !Array.isArray(cur)) inner = cur as Values;
      else { list[i] = {}; inner = list[i] as Values; }
    }
    this.key(inner, level);
    return setIndex(list, i, inner);
  }
}

function goType(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "string") return "string";
  if (typeof v === "bigint") return "int64";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** --set: parse `s` into `dest` with type inference. */
export function parseSet(s: string, dest: Values): void {
  new Parser(new Scanner(s), dest, (rs) => typedVal(rs, false)).parse();
}
/** --set-string: every value a string. */
export function parseSetString(s: string, dest: Values): void {
  new Parser(new Scanner(s), dest, (rs) => typedVal(rs, true)).parse();
}
/** --set-file: values are file paths; `readFile` returns their contents. */
export function parseSetFile(s: string, dest: Values, readFile: (path: string) => string): void {
  new Parser(new Scanner(s), dest, readFile).parse();
}
/** --set-json: values are JSON. */
export function parseSetJson(s: string, dest: Values): void {
  new Parser(new Scanner(s), dest, (rs) => typedVal(rs, false), true).parse();
}
/** --set-literal: one key path, the whole rest is the string value. */
export function parseSetLiteral(s: string, dest: Values): void {
  const eq = s.indexOf("=");
  if (eq < 0) throw new StrvalsError(`key ${JSON.stringify(s)} has no value`);
  const path = s.slice(0, eq).split(".");
  let cur = dest;
  for (const p of path.slice(0, -1)) {
    if (!cur[p] || typeof cur[p] !== "object" || Array.isArray(cur[p])) cur[p] = {};
    cur = cur[p] as Values;
  }
  cur[path[path.length - 1]!] = s.slice(eq + 1);
}
