// Helm's value coalescing (pkg/chartutil/coalesce.go as of v3.21 / v4.1): user values
// override chart defaults, maps merge, a user `null` deletes a default, each subchart
// gets its own section plus the parent's globals.
import type { Chart } from "../chart-types.ts";

export type Values = Record<string, unknown>;

export const isTable = (v: unknown): v is Values => v !== null && typeof v === "object" && !Array.isArray(v);

export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isTable(v)) {
    const out: Values = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x);
    return out as T;
  }
  return v;
}

const concatPrefix = (a: string, b: string) => (a === "" ? b : `${a}.${b}`);

/** CoalesceValues: the chart's defaults (and its subcharts') under `vals`; nulls delete. */
export function coalesceValues(chart: Chart, vals: Values | null): Values {
  return coalesce(chart, deepCopy(vals ?? {}), "", false);
}

/** MergeValues: as coalesceValues, but nulls are kept. */
export function mergeValues(chart: Chart, vals: Values | null): Values {
  return coalesce(chart, deepCopy(vals ?? {}), "", true);
}

function coalesce(chart: Chart, dest: Values, prefix: string, merge: boolean): Values {
  coalesceChartValues(chart, dest, prefix, merge);
  return coalesceDeps(chart, dest, prefix, merge);
}

function coalesceDeps(chart: Chart, dest: Values, prefix: string, merge: boolean): Values {
  for (const sub of chart.dependencies) {
    const name = sub.metadata.Name;
    if (!(name in dest)) dest[name] = {};
    else if (!isTable(dest[name])) throw new Error(`type mismatch on ${name}: %!t(${typeName(dest[name])}=${String(dest[name])})`);
    const dv = dest[name] as Values;
    const subPrefix = concatPrefix(prefix, chart.metadata.Name);
    coalesceGlobals(dv, dest, subPrefix);
    dest[name] = coalesce(sub, dv, subPrefix, merge);
  }
  return dest;
}

function typeName(v: unknown): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "<nil>";
}

function coalesceGlobals(dest: Values, src: Values, prefix: string): void {
  let dg: Values, sg: Values;
  if (!("global" in dest)) dg = {};
  else if (isTable(dest.global)) dg = dest.global;
  else return;
  if (!("global" in src)) sg = {};
  else if (isTable(src.global)) sg = src.global;
  else return;
  for (const [key, val] of Object.entries(sg)) {
    if (isTable(val)) {
      const vv: Values = { ...val };
      if (!(key in dg)) dg[key] = vv;
      else if (isTable(dg[key])) {
        coalesceTablesFullKey(vv, dg[key] as Values, concatPrefix(prefix, key), true);
        dg[key] = vv;
      }
    } else if (key in dg && isTable(dg[key])) {
      // a table in the destination is not replaced by a scalar
    } else {
      dg[key] = val;
    }
  }
  dest.global = dg;
}

function coalesceChartValues(chart: Chart, v: Values, prefix: string, merge: boolean): void {
  const subPrefix = concatPrefix(prefix, chart.metadata.Name);
  const vc = deepCopy(chart.values ?? {});
  for (const [key, val] of Object.entries(vc)) {
    if (key in v) {
      const value = v[key];
      if (value === null && !merge) {
        delete v[key];
      } else if (isTable(value)) {
        if (isTable(val)) {
          const m = chart.dependencies.some((d) => d.metadata.Name === key) ? true : merge;
          coalesceTablesFullKey(value, val, concatPrefix(subPrefix, key), m);
        }
      }
    } else {
      v[key] = val;
    }
  }
}

/** CoalesceTables: merge src into dst, dst wins. */
export function coalesceTables(dst: Values | null, src: Values | null): Values | null {
  return coalesceTablesFullKey(dst, src, "", false);
}

/** MergeTables: as coalesceTables, but nulls are kept. */
export function mergeTables(dst: Values | null, src: Values | null): Values | null {
  return coalesceTablesFullKey(dst, src, "", true);
}

function coalesceTablesFullKey(dst: Values | null, src: Values | null, prefix: string, merge: boolean): Values | null {
  if (src === null) return dst;
  if (dst === null) return src;
  for (const [key, val] of Object.entries(src)) {
    const has = key in dst;
    const dv = dst[key];
    if (has && !merge && dv === null) delete dst[key];
    else if (!has) dst[key] = val;
    else if (isTable(val)) {
      if (isTable(dv)) coalesceTablesFullKey(dv, val, concatPrefix(prefix, key), merge);
    }
  }
  return dst;
}
