// sprig's string functions (Masterminds/sprig v3 strings.go and friends).
import { goFormat, goQuote, strslice, strval, toInt64, type Dict } from "./go-values.ts";

type F = (...args: any[]) => unknown;
const num = (v: unknown) => Number(toInt64(v));

function title(s: string): string {
  // strings.Title: upper-case the first letter of each word (words split on non-letters/digits).
  let prevLetter = false;
  let out = "";
  for (const ch of s) {
    const isWordChar = /[\p{L}\p{N}_']/u.test(ch);
    out += isWordChar && !prevLetter ? ch.toUpperCase() : ch;
    prevLetter = isWordChar;
  }
  return out;
}

function untitle(s: string): string {
  let prevSpace = true, out = "";
  for (const ch of s) {
    out += prevSpace && /\p{L}/u.test(ch) ? ch.toLowerCase() : ch;
    prevSpace = /\s/.test(ch);
  }
  return out;
}

function words(s: string): string[] {
  return s.split(/[\s_\-]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
}

function swapcase(s: string): string {
  let out = "";
  for (const ch of s) out += ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase();
  return out;
}

function wrap(width: number, s: string, newline = "\n"): string {
  // goutils.WrapCustom with wrapLongWords=false
  if (width < 1) width = 1;
  const lines = s.split("\n");
  return lines.map((line) => {
    const out: string[] = [];
    let rest = line;
    while (rest.length > width) {
      if (rest[width] === " ") { out.push(rest.slice(0, width)); rest = rest.slice(width + 1); continue; }
      const sp = rest.lastIndexOf(" ", width);
      if (sp > 0) { out.push(rest.slice(0, sp)); rest = rest.slice(sp + 1); continue; }
      const next = rest.indexOf(" ", width);
      if (next < 0) break;
      out.push(rest.slice(0, next)); rest = rest.slice(next + 1);
    }
    out.push(rest);
    return out.join(newline);
  }).join("\n");
}

function abbrev(width: number, s: string): string {
  if (width < 4 || s.length <= width) return s;
  return s.slice(0, width - 3) + "...";
}

function substr(start: number, end: number, s: string): string {
  if (start < 0) return s.slice(0, end);
  if (end < 0 || end > s.length) return s.slice(start);
  return s.slice(start, end);
}

function indent(spaces: number, v: string): string {
  const pad = " ".repeat(Math.max(0, spaces));
  return pad + v.replaceAll("\n", "\n" + pad);
}

export const stringFuncs: Record<string, F> = {
  trunc: (c: unknown, s: string) => {
    const n = num(c);
    if (n < 0 && s.length + n > 0) return s.slice(s.length + n);
    if (n >= 0 && s.length > n) return s.slice(0, n);
    return s;
  },
  trim: (s: unknown) => strval(s).trim(),
  upper: (s: unknown) => strval(s).toUpperCase(),
  lower: (s: unknown) => strval(s).toLowerCase(),
  title: (s: unknown) => title(strval(s)),
  untitle: (s: unknown) => untitle(strval(s)),
  substr: (start: unknown, end: unknown, s: unknown) => substr(num(start), num(end), strval(s)),
  repeat: (count: unknown, s: unknown) => strval(s).repeat(Math.max(0, num(count))),
  trimall: (a: unknown, b: unknown) => trimCutset(strval(b), strval(a)),
  trimAll: (a: unknown, b: unknown) => trimCutset(strval(b), strval(a)),
  trimSuffix: (a: unknown, b: unknown) => { const s = strval(b), x = strval(a); return x && s.endsWith(x) ? s.slice(0, s.length - x.length) : s; },
  trimPrefix: (a: unknown, b: unknown) => { const s = strval(b), x = strval(a); return x && s.startsWith(x) ? s.slice(x.length) : s; },
  nospace: (s: unknown) => strval(s).replace(/\s+/gu, ""),
  initials: (s: unknown) => strval(s).split(/\s+/).filter(Boolean).map((w) => [...w][0]).join(""),
  swapcase: (s: unknown) => swapcase(strval(s)),
  snakecase: (s: unknown) => words(strval(s)).map((w) => w.toLowerCase()).join("_"),
  camelcase: (s: unknown) => strval(s).split("_").filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(""),
  kebabcase: (s: unknown) => words(strval(s)).map((w) => w.toLowerCase()).join("-"),
  wrap: (l: unknown, s: unknown) => wrap(num(l), strval(s)),
  wrapWith: (l: unknown, sep: unknown, s: unknown) => wrap(num(l), strval(s), strval(sep)),
  contains: (substr: unknown, s: unknown) => strval(s).includes(strval(substr)),
  hasPrefix: (substr: unknown, s: unknown) => strval(s).startsWith(strval(substr)),
  hasSuffix: (substr: unknown, s: unknown) => strval(s).endsWith(strval(substr)),
  quote: (...args: unknown[]) => args.filter((a) => a !== null && a !== undefined).map((a) => goQuote(strval(a))).join(" "),
  squote: (...args: unknown[]) => args.filter((a) => a !== null && a !== undefined).map((a) => `'${strval(a)}'`).join(" "),
  cat: (...args: unknown[]) => args.filter((a) => a !== null && a !== undefined).map((a) => goFormat(a)).join(" "),
  indent: (spaces: unknown, v: unknown) => indent(num(spaces), strval(v)),
  nindent: (spaces: unknown, v: unknown) => "\n" + indent(num(spaces), strval(v)),
  replace: (old: unknown, nw: unknown, src: unknown) => strval(src).replaceAll(strval(old), strval(nw)),
  plural: (one: string, many: string, count: unknown) => (num(count) === 1 ? one : many),
  toString: (v: unknown) => strval(v),
  abbrev: (width: unknown, s: unknown) => abbrev(num(width), strval(s)),
  abbrevboth: (left: unknown, right: unknown, s: unknown) => {
    let str = strval(s);
    const l = num(left), r = num(right);
    if (r < 4 || (l > 0 && r < 7)) return str;
    if (l > 0 && l > 4) str = "..." + str.slice(l);
    return abbrev(r, str);
  },
  split: (sep: unknown, orig: unknown) => {
    const parts = strval(orig).split(strval(sep));
    const out: Dict = {};
    parts.forEach((p, i) => (out[`_${i}`] = p));
    return out;
  },
  splitList: (sep: unknown, orig: unknown) => strval(orig).split(strval(sep)),
  splitn: (sep: unknown, n: unknown, orig: unknown) => {
    const parts = goSplitN(strval(orig), strval(sep), num(n));
    const out: Dict = {};
    parts.forEach((p, i) => (out[`_${i}`] = p));
    return out;
  },
  join: (sep: unknown, v: unknown) => strslice(v).join(strval(sep)),
  sortAlpha: (list: unknown) => {
    if (!Array.isArray(list)) return [strval(list)];
    return strslice(list).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  },
  toStrings: (v: unknown) => strslice(v),
  hello: () => "Hello!",
};

function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  const all = s.split(sep);
  if (n < 0 || all.length <= n) return all;
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)];
}

function trimCutset(s: string, cutset: string): string {
  const set = new Set([...cutset]);
  const cps = [...s];
  let a = 0, b = cps.length;
  while (a < b && set.has(cps[a]!)) a++;
  while (b > a && set.has(cps[b - 1]!)) b--;
  return cps.slice(a, b).join("");
}
