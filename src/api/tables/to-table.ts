// A meta.k8s.io/v1 Table for `kubectl get`: the kind's columns (all of them, wide ones
// included with priority 1, as upstream's server-side printers do), one row per object.
import type { ColumnDefinition, KindDef, KubeObject, TableColumn } from "../kinds/kind.ts";
import { ageColumn, nameColumn } from "./columns.ts";
import { podRowConditions } from "./pod-columns.ts";

export type IncludeObject = "None" | "Metadata" | "Object";
export type TableOptions = { includeObject?: IncludeObject; now?: number };

export type TableRow = { cells: unknown[]; conditions?: { type: string; status: string; reason?: string; message?: string }[]; object?: unknown };
export type Table = {
  kind: "Table";
  apiVersion: "meta.k8s.io/v1";
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
};

/** The columns used for a kind: its own, or Name and Age when it declares none. */
export function columnsOf(kind: KindDef): TableColumn[] {
  return kind.columns?.length ? kind.columns : [nameColumn(), ageColumn()];
}

export function toTable(kind: KindDef, objects: KubeObject[], opts: TableOptions = {}): Table {
  const columns = columnsOf(kind);
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? "Metadata";
  const rows = objects.map((obj) => {
    const row: TableRow = { cells: columns.map((c) => safeCell(c, obj, now)) };
    const conditions = kind.kind === "Pod" && kind.group === "" ? podRowConditions(obj as never) : undefined;
    if (conditions) row.conditions = conditions;
    if (include === "Object") row.object = obj;
    else if (include === "Metadata") row.object = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata };
    return row;
  });
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: {},
    columnDefinitions: columns.map(({ name, type, format, description, priority }) => ({ name, type, format, description, priority })),
    rows,
  };
}

/** A stored object of an odd shape must not break a whole listing: its cell shows as empty. */
function safeCell(c: TableColumn, obj: KubeObject, now: number): unknown {
  try {
    return c.cell(obj, now) ?? "";
  } catch {
    return "";
  }
}
