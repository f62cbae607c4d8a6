// `kubectl get` for resourcequotas and limitranges, as upstream's printResourceQuota and
// printLimitRange: used/hard per resource, limits.* in the Limit column.
import type { LimitRange, ResourceQuota } from "kubernetes-types/core/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { AGE_DESCRIPTION, ageColumn, col, nameColumn } from "./columns.ts";

function quotaCells(q: ResourceQuota): [string, string] {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const pieces = r.split(".");
    (pieces.length > 1 && pieces[0] === "limits" ? limit : request).push(`${r}: ${used[r] ?? "0"}/${hard[r]}`);
  }
  return [request.join(", "), limit.join(", ")];
}

export const resourceQuotaColumns: TableColumn[] = [
  nameColumn(),
  ageColumn(),
  col("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume.", (q: ResourceQuota) => quotaCells(q)[0]),
  col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", (q: ResourceQuota) => quotaCells(q)[1]),
];

export const limitRangeColumns: TableColumn[] = [
  nameColumn(),
  col("Created At", "date", AGE_DESCRIPTION, (l: LimitRange) => (l.metadata?.creationTimestamp ? new Date(l.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, "Z") : "")),
];
