// Helm's ProcessDependenciesWithMerge: aliases, enabling subcharts by condition and
// tags (disabled ones are removed), then import-values from children into parents.
import type { Chart, Dependency } from "../chart-types.ts";
import { coalesceValues, mergeValues, mergeTables, deepCopy, type Values } from "./coalesce.ts";
import { pathValue, tableAt } from "./values-path.ts";
import semver from "semver";
import { toNpmRange } from "./semver-range.ts";

/** Masterminds/semver constraint check, as Helm's IsCompatibleRange. */
export function isCompatibleRange(constraint: string, version: string): boolean {
  if (constraint.trim() === "") return false;
  const v = semver.valid(version, { loose: true }) ?? semver.coerce(version)?.version ?? null;
  if (!v) return false;
  const range = toNpmRange(constraint);
  try {
    return semver.satisfies(v, range, { loose: true, includePrerelease: /-/.test(constraint) });
  } catch {
    return false;
  }
}

function setDependencies(c: Chart, deps: Chart[]) {
  c.dependencies = deps;
  for (const d of deps) d.parent = c;
}

function aliasDependency(charts: Chart[], dep: Dependency): Chart | null {
  for (const c of charts) {
    if (c.metadata.Name !== dep.name) continue;
    if (!isCompatibleRange(dep.version, c.metadata.Version)) continue;
    const out: Chart = {
      ...c,
      metadata: { ...c.metadata, Dependencies: c.metadata.Dependencies?.map((d) => ({ ...d })) ?? null },
      dependencies: [],
    };
    setDependencies(out, c.dependencies.map((d) => ({ ...d })));
    if (dep.alias) out.metadata.Name = dep.alias;
    return out;
  }
  return null;
}

function applyTags(reqs: Dependency[], cvals: Values) {
  const vt = tableAt(cvals, "tags");
  if (!vt) return;
  for (const r of reqs) {
    let hasTrue = false, hasFalse = false;
    for (const k of r.tags) {
      if (k in vt && typeof vt[k] === "boolean") {
        if (vt[k]) hasTrue = true; else hasFalse = true;
      }
    }
    if (!hasTrue && hasFalse) r.enabled = false;
    else if (hasTrue || (!hasTrue && !hasFalse)) r.enabled = true;
  }
}

function applyConditions(reqs: Dependency[], cvals: Values, cpath: string) {
  for (const r of reqs) {
    for (const cond of r.condition.trim().split(",")) {
      if (cond.length === 0) continue;
      const vv = pathValue(cvals, cpath + cond);
      if (typeof vv === "boolean") { r.enabled = vv; break; }
    }
  }
}

function processEnabled(c: Chart, v: Values, path: string): void {
  if (c.metadata.Dependencies === null) return;
  const reqs = c.metadata.Dependencies;
  const chartDeps: Chart[] = [];
  outer: for (const existing of c.dependencies) {
    for (const req of reqs) {
      if (existing.metadata.Name === req.name && isCompatibleRange(req.version, existing.metadata.Version)) continue outer;
    }
    chartDeps.push(existing);
  }
  for (const req of reqs) {
    const aliased = aliasDependency(c.dependencies, req);
    if (aliased) chartDeps.push(aliased);
    if (req.alias) req.name = req.alias;
  }
  setDependencies(c, chartDeps);
  for (const r of reqs) r.enabled = true;
  const cvals = coalesceValues(c, v);
  applyTags(reqs, cvals);
  applyConditions(reqs, cvals, path);
  const rm = new Set(reqs.filter((r) => !r.enabled).map((r) => r.name));
  const cd = c.dependencies.filter((d) => !rm.has(d.metadata.Name));
  const cdMeta = reqs.filter((r) => !rm.has(r.name));
  for (const t of cd) processEnabled(t, cvals, `${path}${t.metadata.Name}.`);
  c.metadata.Dependencies = cdMeta;
  setDependencies(c, cd);
}

function pathToMap(path: string, data: Values): Values {
  if (path === ".") return data;
  let cur: Values = data;
  const parts = path.split(".");
  for (let i = parts.length - 1; i >= 0; i--) cur = { [parts[i]!]: cur };
  return cur;
}

const goString = (v: unknown) => (v === undefined || v === null ? "<nil>" : String(v));

function processImportValues(c: Chart): void {
  if (c.metadata.Dependencies === null) return;
  const cvals = mergeValues(c, null);
  let b: Values = {};
  for (const r of c.metadata.Dependencies) {
    const outiv: unknown[] = [];
    for (const riv of r.importValues) {
      if (riv && typeof riv === "object" && !Array.isArray(riv)) {
        const iv = riv as Record<string, unknown>;
        const child = goString(iv.child), parent = goString(iv.parent);
        outiv.push({ child, parent });
        const vv = tableAt(cvals, `${r.name}.${child}`);
        if (!vv) continue;
        b = mergeTables(b, pathToMap(parent, deepCopy(vv)))!;
      } else if (typeof riv === "string") {
        const child = `exports.${riv}`;
        outiv.push({ child, parent: "." });
        const vm = tableAt(cvals, `${r.name}.${child}`);
        if (!vm) continue;
        b = mergeTables(b, deepCopy(vm))!;
      }
    }
    r.importValues = outiv;
  }
  c.values = mergeTables(deepCopy(cvals), b)!;
}

function processImports(c: Chart): void {
  for (const d of c.dependencies) processImports(d);
  processImportValues(c);
}

/** Helm's ProcessDependenciesWithMerge, in place on `chart`. */
export function processDependencies(chart: Chart, userValues: Values): void {
  processEnabled(chart, userValues, "");
  processImports(chart);
}
