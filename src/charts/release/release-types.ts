// A release as Helm stores it (pkg/release/v1): the JSON field names and shapes are
// Helm's, so the records skiff writes and the ones helm writes are interchangeable.
import type { Chart, ChartFile } from "../chart-types.ts";

export type ReleaseStatus =
  | "unknown" | "deployed" | "uninstalled" | "superseded" | "failed"
  | "uninstalling" | "pending-install" | "pending-upgrade" | "pending-rollback";

export const PENDING_STATUSES: ReadonlySet<ReleaseStatus> = new Set(["pending-install", "pending-upgrade", "pending-rollback"]);

export interface ReleaseInfo {
  first_deployed?: string;
  last_deployed?: string;
  deleted?: string;
  description?: string;
  status?: ReleaseStatus;
  notes?: string;
  /** Helm 4 keeps the revision a rollback went back to. */
  rollback_revision?: number;
  [extra: string]: unknown;
}

export interface HookExecution {
  started_at?: string;
  completed_at?: string;
  phase: "" | "Unknown" | "Running" | "Succeeded" | "Failed";
}

export interface ReleaseHook {
  name?: string;
  kind?: string;
  path?: string;
  manifest?: string;
  events?: string[];
  last_run: HookExecution;
  weight?: number;
  delete_policies?: string[];
  [extra: string]: unknown;
}

/** A chart file as Go's encoding/json writes common.File: data is base64. */
export interface ChartFileJson { name: string; data: string; modtime?: string }

export interface ChartJson {
  metadata: Record<string, unknown>;
  lock: unknown;
  templates: ChartFileJson[];
  values: Record<string, unknown>;
  schema: string | null;
  files: ChartFileJson[];
  [extra: string]: unknown;
}

export interface Release {
  name: string;
  info: ReleaseInfo;
  chart: ChartJson;
  config?: Record<string, unknown>;
  manifest?: string;
  hooks?: ReleaseHook[];
  version: number;
  namespace: string;
  /** Helm 4: "ssa" or "csa"; skiff applies server-side. */
  apply_method?: string;
  [extra: string]: unknown;
}

const GO_ZERO_TIME = "0001-01-01T00:00:00Z";

function fileJson(f: ChartFile, modtime: string): ChartFileJson {
  return { name: f.name, data: Buffer.from(f.data).toString("base64"), modtime };
}

/** Chart.yaml fields under their JSON names, empty ones left out as Go's omitempty does. */
export function metadataJson(c: Chart): Record<string, unknown> {
  const m = c.metadata;
  const pairs: [string, unknown][] = [
    ["name", m.Name], ["home", m.Home], ["sources", m.Sources], ["version", m.Version],
    ["description", m.Description], ["keywords", m.Keywords], ["maintainers", m.Maintainers],
    ["icon", m.Icon], ["apiVersion", m.APIVersion], ["condition", m.Condition], ["tags", m.Tags],
    ["appVersion", m.AppVersion], ["deprecated", m.Deprecated], ["annotations", m.Annotations],
    ["kubeVersion", m.KubeVersion],
    ["dependencies", m.Dependencies?.map((d) => ({
      name: d.name, version: d.version || undefined, repository: d.repository || undefined, condition: d.condition || undefined,
      tags: d.tags.length ? d.tags : undefined, enabled: d.enabled || undefined,
      "import-values": d.importValues.length ? d.importValues : undefined, alias: d.alias || undefined,
    }))],
    ["type", m.Type],
  ];
  const out: Record<string, unknown> = {};
  for (const [k, v] of pairs) {
    if (v === null || v === undefined || v === "" || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** The top chart as Helm serializes it into a release (subcharts are not kept, as in Helm). */
export function chartJson(c: Chart, modtime = new Date().toISOString()): ChartJson {
  return {
    metadata: metadataJson(c),
    lock: null,
    templates: c.templates.map((t) => fileJson(t, modtime)),
    values: c.values ?? {},
    schema: c.schema ? Buffer.from(c.schema).toString("base64") : null,
    schemamodtime: GO_ZERO_TIME,
    files: c.files.map((f) => fileJson(f, modtime)),
    modtime,
  };
}

export const chartName = (r: Release): string => String(r.chart?.metadata?.name ?? "");
export const chartVersion = (r: Release): string => String(r.chart?.metadata?.version ?? "");
export const appVersion = (r: Release): string => String(r.chart?.metadata?.appVersion ?? "");
export const statusOf = (r: Release): ReleaseStatus => r.info?.status ?? "unknown";
