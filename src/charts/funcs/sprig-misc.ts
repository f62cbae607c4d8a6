// The rest of sprig: defaults and flow helpers, encodings and checksums, semver,
// regular expressions, random values, paths, types, URLs.
import { createHash, randomUUID, randomBytes, randomInt } from "node:crypto";
import semver from "semver";
import { deepEqual } from "./sprig-collections.ts";
import { toNpmRange } from "../values/semver-range.ts";
import { goJson, goKindOf, goTypeOf, isDict, isEmpty, strval, toInt64, type Dict } from "./go-values.ts";

type F = (...args: any[]) => unknown;

// ---- regexp: Go RE2 syntax → JS ----
function goRegex(re: string, flags = ""): RegExp {
  let src = re.replace(/\(\?P</g, "(?<");
  let f = flags;
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) { src = src.slice(m[0].length); f += m[1]!.replace(/U/g, ""); }
  try { return new RegExp(src, f + "u"); } catch (e) { throw new Error(`error parsing regexp: ${(e as Error).message}`); }
}
function goExpand(repl: string, m: RegExpExecArray): string {
  return repl.replace(/\$(\$|\{([^}]*)\}|([A-Za-z0-9_]+))/g, (_all, tok: string, braced?: string, bare?: string) => {
    if (tok === "$") return "$";
    const name = braced ?? bare ?? "";
    if (/^\d+$/.test(name)) return m[Number(name)] ?? "";
    return m.groups?.[name] ?? "";
  });
}
function replaceAll(re: RegExp, s: string, repl: (m: RegExpExecArray) => string): string {
  const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
  let out = "", last = 0, m: RegExpExecArray | null;
  while ((m = g.exec(s)) !== null) {
    out += s.slice(last, m.index) + repl(m);
    last = m.index + m[0].length;
    if (m[0].length === 0) { if (g.lastIndex < s.length) out += s[g.lastIndex] ?? ""; last = g.lastIndex + 1; g.lastIndex++; }
  }
  return out + s.slice(Math.min(last, s.length));
}
function findAll(re: RegExp, s: string, n: number): string[] {
  const g = new RegExp(re.source, re.flags + "g");
  const out: string[] = [];
  for (const m of s.matchAll(g)) { if (n >= 0 && out.length >= n) break; out.push(m[0]); }
  return out;
}
function regexSplit(re: RegExp, s: string, n: number): string[] {
  if (n === 0) return [];
  const parts = s.split(new RegExp(re.source, re.flags + "g"));
  if (n < 0 || parts.length <= n) return parts;
  return parts.slice(0, n - 1).concat([s.split(new RegExp(re.source, re.flags + "g")).slice(n - 1).join("")]);
}
const regexFuncs: Record<string, F> = {};
const pair = (name: string, f: F) => { regexFuncs[name] = (...a: unknown[]) => { try { return f(...a); } catch { return name === "regexMatch" ? false : name.startsWith("regexFindAll") || name === "regexSplit" ? [] : ""; } }; regexFuncs["must" + name[0]!.toUpperCase() + name.slice(1)] = f; };
pair("regexMatch", (re: string, s: unknown) => goRegex(re).test(strval(s)));
pair("regexFindAll", (re: string, s: unknown, n: unknown) => findAll(goRegex(re), strval(s), Number(toInt64(n))));
pair("regexFind", (re: string, s: unknown) => goRegex(re).exec(strval(s))?.[0] ?? "");
pair("regexReplaceAll", (re: string, s: unknown, repl: unknown) => replaceAll(goRegex(re), strval(s), (m) => goExpand(strval(repl), m)));
pair("regexReplaceAllLiteral", (re: string, s: unknown, repl: unknown) => replaceAll(goRegex(re), strval(s), () => strval(repl)));
pair("regexSplit", (re: string, s: unknown, n: unknown) => regexSplit(goRegex(re), strval(s), Number(toInt64(n))));
regexFuncs.regexQuoteMeta = (s: unknown) => strval(s).replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

// ---- random ----
const ALPHA = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const NUM = "0123456789";
function randFrom(chars: string, n: unknown): string {
  let out = "";
  const c = Number(toInt64(n));
  for (let i = 0; i < c; i++) out += chars[randomInt(chars.length)];
  return out;
}
const ASCII = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");

// ---- semver ----
class SemverVersion {
  constructor(readonly Original: string, private v: semver.SemVer) {}
  get Major() { return BigInt(this.v.major); }
  get Minor() { return BigInt(this.v.minor); }
  get Patch() { return BigInt(this.v.patch); }
  get Prerelease() { return this.v.prerelease.join("."); }
  get Metadata() { return this.v.build.join("."); }
  toString() { return this.v.version + (this.v.build.length ? "+" + this.v.build.join(".") : ""); }
}
function parseSemver(s: string): semver.SemVer {
  const v = semver.parse(s.replace(/^v/, ""), { loose: true }) ?? semver.coerce(s, { includePrerelease: true } as semver.CoerceOptions);
  if (!v) throw new Error("Invalid Semantic Version");
  return v;
}
export function semverCompare(constraint: string, version: string): boolean {
  const v = parseSemver(version);
  const range = toNpmRange(constraint);
  let r: semver.Range;
  try { r = new semver.Range(range, { loose: true, includePrerelease: /-/.test(range) }); } catch { throw new Error(`improper constraint: ${constraint}`); }
  return r.test(v);
}

// ---- paths (path package, "/" only) ----
function pathClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") { if (out.length && out[out.length - 1] !== "..") out.pop(); else if (!rooted) out.push(".."); }
    else out.push(seg);
  }
  const s = (rooted ? "/" : "") + out.join("/");
  return s === "" ? "." : s;
}
function pathBase(p: string): string {
  if (p === "") return ".";
  p = p.replace(/\/+$/, "");
  if (p === "") return "/";
  return p.slice(p.lastIndexOf("/") + 1);
}
function pathDir(p: string): string {
  const i = p.lastIndexOf("/");
  return pathClean(p.slice(0, i + 1));
}
function pathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== "/"; i--) if (p[i] === ".") return p.slice(i);
  return "";
}

// ---- adler32 ----
function adler32(s: Uint8Array): number {
  let a = 1, b = 0;
  for (const byte of s) { a = (a + byte) % 65521; b = (b + a) % 65521; }
  return ((b << 16) | a) >>> 0;
}

// ---- base32 (RFC 4648, padded) ----
const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function b32enc(bytes: Uint8Array): string {
  let bits = 0, val = 0, out = "";
  for (const b of bytes) { val = (val << 8) | b; bits += 8; while (bits >= 5) { out += B32[(val >>> (bits - 5)) & 31]; bits -= 5; } }
  if (bits > 0) out += B32[(val << (5 - bits)) & 31];
  while (out.length % 8) out += "=";
  return out;
}
function b32dec(s: string): Uint8Array {
  const clean = s.replace(/=+$/, "");
  let bits = 0, val = 0; const out: number[] = [];
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new Error(`illegal base32 data at input byte ${clean.indexOf(ch)}`);
    val = (val << 5) | i; bits += 5;
    if (bits >= 8) { out.push((val >>> (bits - 8)) & 255); bits -= 8; }
  }
  return new Uint8Array(out);
}
const utf8 = (s: string) => new TextEncoder().encode(s);
const fromUtf8 = (b: Uint8Array) => new TextDecoder().decode(b);

export const miscFuncs: Record<string, F> = {
  // defaults / flow
  default: (d: unknown, ...given: unknown[]) => (given.length === 0 || isEmpty(given[0]) ? d : given[0]),
  empty: (v: unknown) => isEmpty(v),
  coalesce: (...vs: unknown[]) => vs.find((v) => !isEmpty(v)) ?? null,
  all: (...vs: unknown[]) => vs.every((v) => !isEmpty(v)),
  any: (...vs: unknown[]) => vs.some((v) => !isEmpty(v)),
  ternary: (vt: unknown, vf: unknown, v: unknown) => (v === true ? vt : vf),
  fail: (msg: unknown) => { throw new Error(strval(msg)); },
  // encodings and checksums
  b64enc: (s: unknown) => Buffer.from(strval(s), "utf8").toString("base64"),
  b64dec: (s: unknown) => {
    const t = strval(s);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 === 1) return "illegal base64 data at input byte " + Math.max(0, t.search(/[^A-Za-z0-9+/=]/));
    return Buffer.from(t, "base64").toString("utf8");
  },
  b32enc: (s: unknown) => b32enc(utf8(strval(s))),
  b32dec: (s: unknown) => { try { return fromUtf8(b32dec(strval(s))); } catch (e) { return (e as Error).message; } },
  sha1sum: (s: unknown) => createHash("sha1").update(strval(s)).digest("hex"),
  sha256sum: (s: unknown) => createHash("sha256").update(strval(s)).digest("hex"),
  sha512sum: (s: unknown) => createHash("sha512").update(strval(s)).digest("hex"),
  adler32sum: (s: unknown) => String(adler32(utf8(strval(s)))),
  // JSON (sprig's own; Helm replaces toJson/fromJson with equivalents)
  toPrettyJson: (v: unknown) => { try { return goJson(v, "  "); } catch { return ""; } },
  mustToPrettyJson: (v: unknown) => goJson(v, "  "),
  toRawJson: (v: unknown) => { try { return rawJson(v); } catch { return ""; } },
  mustToRawJson: (v: unknown) => rawJson(v),
  mustFromJson: (s: unknown) => JSON.parse(strval(s)),
  // semver
  semver: (v: unknown) => new SemverVersion(strval(v), parseSemver(strval(v))),
  semverCompare: (c: unknown, v: unknown) => semverCompare(strval(c), strval(v)),
  // random
  randAlphaNum: (n: unknown) => randFrom(ALPHA + NUM, n),
  randAlpha: (n: unknown) => randFrom(ALPHA, n),
  randNumeric: (n: unknown) => randFrom(NUM, n),
  randAscii: (n: unknown) => randFrom(ASCII, n),
  randInt: (min: unknown, max: unknown) => BigInt(randomInt(Number(toInt64(min)), Number(toInt64(max)))),
  randBytes: (n: unknown) => randomBytes(Number(toInt64(n))).toString("base64"),
  uuidv4: () => randomUUID(),
  shuffle: (s: unknown) => { const a = [...strval(s)]; for (let i = a.length - 1; i > 0; i--) { const j = randomInt(i + 1); [a[i], a[j]] = [a[j]!, a[i]!]; } return a.join(""); },
  // paths
  base: (p: unknown) => pathBase(strval(p)),
  dir: (p: unknown) => pathDir(strval(p)),
  clean: (p: unknown) => pathClean(strval(p)),
  ext: (p: unknown) => pathExt(strval(p)),
  isAbs: (p: unknown) => strval(p).startsWith("/"),
  osBase: (p: unknown) => pathBase(strval(p)),
  osDir: (p: unknown) => pathDir(strval(p)),
  osClean: (p: unknown) => pathClean(strval(p)),
  osExt: (p: unknown) => pathExt(strval(p)),
  osIsAbs: (p: unknown) => strval(p).startsWith("/"),
  // types
  typeOf: (v: unknown) => goTypeOf(v),
  typeIs: (t: string, v: unknown) => goTypeOf(v) === t,
  typeIsLike: (t: string, v: unknown) => goTypeOf(v) === t || goTypeOf(v) === "*" + t,
  kindOf: (v: unknown) => goKindOf(v),
  kindIs: (k: string, v: unknown) => goKindOf(v) === k,
  deepEqual: (a: unknown, b: unknown) => deepEqual(a, b),
  // URLs
  urlParse: (s: unknown) => {
    const u = new URL(strval(s));
    return {
      scheme: u.protocol.replace(/:$/, ""), host: u.host, hostname: u.hostname, path: decodeURIComponent(u.pathname),
      query: u.search.replace(/^\?/, ""), opaque: "", fragment: u.hash.replace(/^#/, ""),
      userinfo: u.username ? (u.password ? `${u.username}:${u.password}` : u.username) : "",
    };
  },
  urlJoin: (d: Dict) => {
    const scheme = strval(d.scheme ?? ""), host = strval(d.host ?? ""), path = strval(d.path ?? "");
    const q = strval(d.query ?? ""), f = strval(d.fragment ?? ""), ui = strval(d.userinfo ?? "");
    return `${scheme ? scheme + ":" : ""}${host ? "//" + (ui ? ui + "@" : "") + host : ""}${path}${q ? "?" + q : ""}${f ? "#" + f : ""}`;
  },
};

function rawJson(v: unknown): string {
  // json.Encoder with SetEscapeHTML(false), trailing newline trimmed
  return goJson(v).replace(/\\u003c/g, "<").replace(/\\u003e/g, ">").replace(/\\u0026/g, "&");
}

export { regexFuncs, isDict };
