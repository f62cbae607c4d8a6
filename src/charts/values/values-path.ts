// Helm's Values.Table and Values.PathValue lookups (dot-separated paths).
import { isTable, type Values } from "./coalesce.ts";

/** The table at a dot path, or null when some step is missing or not a table. */
export function tableAt(v: Values, path: string): Values | null {
  let cur: unknown = v;
  for (const part of path.split(".")) {
    if (!isTable(cur) || !(part in cur) || !isTable(cur[part])) return null;
    cur = cur[part];
  }
  return cur as Values;
}

/** The non-table value at a dot path, or undefined when there is none. */
export function pathValue(v: Values, path: string): unknown {
  const parts = path.split(".");
  const key = parts.pop()!;
  const t = parts.length === 0 ? v : tableAt(v, parts.join("."));
  if (!t || !(key in t) || isTable(t[key])) return undefined;
  return t[key];
}
