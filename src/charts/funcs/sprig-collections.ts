// sprig's list and dict functions (list.go, dict.go), with the must* variants
// returning errors where the plain ones would panic.
import { deepCopy } from "../values/coalesce.ts";
import { goTypeOf, isDict, isEmpty, strval, toInt64, type Dict } from "./go-values.ts";

type F = (...args: any[]) => unknown;

function asList(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return [...v].map((b) => BigInt(b));
  throw new Error(`Cannot ${fn} on type ${goTypeOf(v)}`);
}

/** Go's reflect.DeepEqual on the value model. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isDict(a) && isDict(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** mergo.Merge (overwrite=false) / mergo.Merge(WithOverride) on map[string]interface{}. */
export function mergoMerge(dst: Dict, src: Dict, overwrite: boolean): Dict {
  for (const [k, sv] of Object.entries(src)) {
    if (sv === null || sv === undefined) continue;
    const has = k in dst;
    const dv = dst[k];
    if (isDict(sv) && isDict(dv)) { mergoMerge(dv, sv, overwrite); continue; }
    if (isDict(sv) && has && !isEmpty(dv) && !overwrite) continue;
    if (overwrite || !has || isEmpty(dv)) dst[k] = sv;
  }
  return dst;
}

function withMust(name: string, f: F): Record<string, F> {
  const must = "must" + name[0]!.toUpperCase() + name.slice(1);
  return { [name]: f, [must]: f };
}

export const collectionFuncs: Record<string, F> = {
  list: (...items: unknown[]) => items,
  tuple: (...items: unknown[]) => items,
  ...withMust("append", (l: unknown, v: unknown) => [...asList(l, "append"), v]),
  ...withMust("push", (l: unknown, v: unknown) => [...asList(l, "push"), v]),
  ...withMust("prepend", (l: unknown, v: unknown) => [v, ...asList(l, "prepend")]),
  ...withMust("first", (l: unknown) => { const a = asList(l, "find first"); return a.length ? a[0] : null; }),
  ...withMust("last", (l: unknown) => { const a = asList(l, "find last"); return a.length ? a[a.length - 1] : null; }),
  ...withMust("rest", (l: unknown) => { const a = asList(l, "find rest"); return a.length ? a.slice(1) : null; }),
  ...withMust("initial", (l: unknown) => { const a = asList(l, "find initial"); return a.length ? a.slice(0, -1) : null; }),
  ...withMust("reverse", (l: unknown) => [...asList(l, "find reverse")].reverse()),
  ...withMust("uniq", (l: unknown) => {
    const out: unknown[] = [];
    for (const x of asList(l, "find uniq")) if (!out.some((y) => deepEqual(x, y))) out.push(x);
    return out;
  }),
  ...withMust("without", (l: unknown, ...omit: unknown[]) => asList(l, "find without").filter((x) => !omit.some((o) => deepEqual(x, o)))),
  ...withMust("has", (needle: unknown, hay: unknown) => (hay === null || hay === undefined ? false : asList(hay, "find has").some((x) => deepEqual(x, needle)))),
  ...withMust("compact", (l: unknown) => asList(l, "compact").filter((x) => !isEmpty(x))),
  ...withMust("slice", (l: unknown, ...idx: unknown[]) => {
    const a = asList(l, "slice");
    const start = idx.length > 0 ? Number(toInt64(idx[0])) : 0;
    const end = idx.length > 1 ? Number(toInt64(idx[1])) : a.length;
    if (start < 0 || end > a.length || start > end) throw new Error(`runtime error: slice bounds out of range [${start}:${end}]`);
    return a.slice(start, end);
  }),
  ...withMust("chunk", (size: unknown, l: unknown) => {
    const a = asList(l, "chunk"), n = Number(toInt64(size));
    const out: unknown[][] = [];
    for (let i = 0; i < a.length; i += n) out.push(a.slice(i, i + n));
    return out;
  }),
  concat: (...lists: unknown[]) => lists.flatMap((l) => asList(l, "concat")),
  dict: (...kv: unknown[]) => {
    const d: Dict = {};
    for (let i = 0; i < kv.length; i += 2) d[strval(kv[i])] = i + 1 < kv.length ? kv[i + 1] : "";
    return d;
  },
  get: (d: Dict, k: string) => (k in d ? d[k] : ""),
  set: (d: Dict, k: string, v: unknown) => { d[k] = v; return d; },
  unset: (d: Dict, k: string) => { delete d[k]; return d; },
  hasKey: (d: Dict, k: string) => k in d,
  pluck: (k: string, ...ds: Dict[]) => ds.filter((d) => k in d).map((d) => d[k]),
  keys: (...ds: Dict[]) => ds.flatMap((d) => Object.keys(d)),
  pick: (d: Dict, ...ks: string[]) => Object.fromEntries(ks.filter((k) => k in d).map((k) => [k, d[k]])),
  omit: (d: Dict, ...ks: string[]) => Object.fromEntries(Object.entries(d).filter(([k]) => !ks.includes(k))),
  values: (d: Dict) => Object.values(d),
  ...withMust("merge", (dst: Dict, ...srcs: Dict[]) => { for (const s of srcs) mergoMerge(dst, s, false); return dst; }),
  ...withMust("mergeOverwrite", (dst: Dict, ...srcs: Dict[]) => { for (const s of srcs) mergoMerge(dst, s, true); return dst; }),
  dig: (...args: unknown[]) => {
    const d = args[args.length - 1] as Dict;
    const def = args[args.length - 2];
    const keys = args.slice(0, -2).map(strval);
    let cur: unknown = d;
    for (const k of keys) {
      if (!isDict(cur) || !(k in cur)) return def;
      cur = cur[k];
    }
    return cur;
  },
  ...withMust("deepCopy", (v: unknown) => deepCopy(v)),
};
