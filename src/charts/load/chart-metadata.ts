// Chart.yaml → ChartMetadata (Go field names, zero values for what is missing), and
// Helm's metadata validation with its error wording.
import type { ChartMetadata, Dependency } from "../chart-types.ts";
import semver from "semver";

export class ChartValidationError extends Error {
  constructor(msg: string) { super(`validation: ${msg}`); }
}

const str = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "string" ? v : String(v));
const strList = (v: unknown) => (Array.isArray(v) ? v.map(str) : null);

export function parseDependency(d: Record<string, unknown>): Dependency {
  return {
    name: str(d.name),
    version: str(d.version),
    repository: str(d.repository),
    condition: str(d.condition),
    tags: strList(d.tags) ?? [],
    enabled: d.enabled === true,
    importValues: Array.isArray(d["import-values"]) ? (d["import-values"] as unknown[]) : [],
    alias: str(d.alias),
  };
}

export function parseMetadata(raw: unknown): ChartMetadata {
  const m = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const deps = Array.isArray(m.dependencies)
    ? (m.dependencies as unknown[]).filter((d) => d && typeof d === "object").map((d) => parseDependency(d as Record<string, unknown>))
    : null;
  const annotations = m.annotations && typeof m.annotations === "object"
    ? Object.fromEntries(Object.entries(m.annotations as Record<string, unknown>).map(([k, v]) => [k, str(v)]))
    : null;
  return {
    Name: str(m.name),
    Home: str(m.home),
    Sources: strList(m.sources),
    Version: str(m.version),
    Description: str(m.description),
    Keywords: strList(m.keywords),
    Maintainers: Array.isArray(m.maintainers) ? (m.maintainers as Record<string, unknown>[]).map((x) => ({
      Name: str(x?.name), Email: str(x?.email), URL: str(x?.url),
    })) : null,
    Icon: str(m.icon),
    APIVersion: str(m.apiVersion),
    Condition: str(m.condition),
    Tags: str(m.tags),
    AppVersion: str(m.appVersion),
    Deprecated: m.deprecated === true,
    Annotations: annotations,
    KubeVersion: str(m.kubeVersion),
    Dependencies: deps,
    Type: str(m.type),
  };
}

export function validateMetadata(md: ChartMetadata): void {
  if (md.APIVersion === "") throw new ChartValidationError("chart.metadata.apiVersion is required");
  if (md.Name === "") throw new ChartValidationError("chart.metadata.name is required");
  if (md.Name.includes("/") || md.Name === "." || md.Name === "..") throw new ChartValidationError(`chart.metadata.name ${JSON.stringify(md.Name)} is invalid`);
  if (md.Version === "") throw new ChartValidationError("chart.metadata.version is required");
  if (!semver.valid(md.Version, { loose: true }) && !semver.coerce(md.Version)) throw new ChartValidationError(`chart.metadata.version ${JSON.stringify(md.Version)} is invalid`);
  if (!["", "application", "library"].includes(md.Type)) throw new ChartValidationError("chart.metadata.type must be application or library");
  const seen = new Set<string>();
  for (const d of md.Dependencies ?? []) {
    if (d.alias && !/^[a-zA-Z0-9_-]+$/.test(d.alias)) throw new ChartValidationError("dependency field has invalid alias: " + d.alias);
    const key = d.alias || d.name;
    if (seen.has(key)) throw new ChartValidationError(`more than one dependency with name or alias ${JSON.stringify(key)}`);
    seen.add(key);
  }
}
