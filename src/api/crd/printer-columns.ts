// A CRD's additionalPrinterColumns as table columns: the JSONPath subset upstream accepts
// there (`.a.b`, `[0]`, `['k']`, `[*]`, `[?(@.type=="Ready")]`), cells typed as upstream's
// table convertor types them (dates shown as ages).
import type { TableColumn } from "../kinds/kind.ts";
import { since } from "../tables/human-duration.ts";
import { NAME_DESCRIPTION } from "../tables/columns.ts";

export type PrinterColumn = { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string };

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; op: "==" | "!="; value: unknown } | { path: string[]; exists: true } };

/** Parse a column's jsonPath; throws with a message upstream-like when it is not one. */
export function parseJsonPath(path: string): Step[] {
  let s = path.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1);
  if (s.startsWith("$")) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ".") {
      const m = /^\.([A-Za-z0-9_\-/]+)/.exec(s.slice(i));
      if (!m) throw new Error(`unrecognized character in action: ${JSON.stringify(s.slice(i))}`);
      steps.push({ field: m[1]! });
      i += m[0].length;
    } else if (s[i] === "[") {
      const end = s.indexOf("]", i);
      if (end < 0) throw new Error("unterminated array");
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === "*") steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'[^']*'$|^"[^"]*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else {
        const f = /^\?\(\s*@((?:\.[A-Za-z0-9_\-]+)+)\s*(?:(==|!=)\s*(.+?))?\s*\)$/.exec(inner);
        if (!f) throw new Error(`invalid array index ${inner}`);
        const fpath = f[1]!.slice(1).split(".");
        if (!f[2]) steps.push({ filter: { path: fpath, exists: true } });
        else {
          const raw = f[3]!.trim();
          const value = /^'.*'$/.test(raw) ? raw.slice(1, -1) : JSON.parse(raw);
          steps.push({ filter: { path: fpath, op: f[2] as "==" | "!=", value } });
        }
      }
    } else throw new Error(`unrecognized character in action: ${JSON.stringify(s.slice(i))}`);
  }
  if (!steps.length) throw new Error("empty path");
  return steps;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function evaluate(steps: Step[], root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ("field" in step) {
        if (isObject(v) && v[step.field] !== undefined) next.push(v[step.field]);
      } else if ("index" in step) {
        if (Array.isArray(v)) {
          const item = v[step.index < 0 ? v.length + step.index : step.index];
          if (item !== undefined) next.push(item);
        }
      } else if ("all" in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.values(v));
      } else {
        const f = step.filter;
        if (!Array.isArray(v)) continue;
        for (const item of v) {
          let x: unknown = item;
          for (const p of f.path) x = isObject(x) ? x[p] : undefined;
          if ("exists" in f ? x !== undefined : f.op === "==" ? x === f.value : x !== f.value) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** A cell as upstream's cellForJSONValue types it. */
function cell(type: string, values: unknown[], now: number): unknown {
  if (!values.length) return null;
  const v = values[0];
  switch (type) {
    case "integer":
      return typeof v === "number" ? Math.trunc(v) : null;
    case "number":
      return typeof v === "number" ? v : null;
    case "boolean":
      return typeof v === "boolean" ? v : null;
    case "date":
      if (typeof v !== "string") return null;
      return Number.isNaN(Date.parse(v)) ? "<invalid>" : since(v, now);
    default:
      return values.map(text).join(" ");
  }
}

export function printerColumns(columns: PrinterColumn[] | undefined): TableColumn[] {
  const name: TableColumn = { name: "Name", type: "string", format: "name", description: NAME_DESCRIPTION, priority: 0, cell: (o) => o.metadata?.name ?? "" };
  const list = columns?.length ? columns : [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "" }];
  return [
    name,
    ...list.map((c): TableColumn => {
      const steps = parseJsonPath(c.jsonPath);
      return { name: c.name, type: c.type, format: c.format ?? "", description: c.description ?? "", priority: c.priority ?? 0, cell: (o, now) => cell(c.type, evaluate(steps, o), now) };
    }),
  ];
}
