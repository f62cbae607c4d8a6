// The in-memory shape of a loaded chart, following Helm's chart.Chart: metadata from
// Chart.yaml, default values, templates, other files, and loaded subcharts.

export interface ChartFile {
  /** Path relative to the chart root, "/"-separated (e.g. "templates/deployment.yaml"). */
  name: string;
  data: Uint8Array;
}

export interface Dependency {
  name: string;
  version: string;
  repository: string;
  condition: string;
  tags: string[];
  enabled: boolean;
  importValues: unknown[];
  alias: string;
}

/** Chart.yaml, with the Go field names templates see through `.Chart`. */
export interface ChartMetadata {
  Name: string;
  Home: string;
  Sources: string[] | null;
  Version: string;
  Description: string;
  Keywords: string[] | null;
  Maintainers: Record<string, unknown>[] | null;
  Icon: string;
  APIVersion: string;
  Condition: string;
  Tags: string;
  AppVersion: string;
  Deprecated: boolean;
  Annotations: Record<string, string> | null;
  KubeVersion: string;
  Dependencies: Dependency[] | null;
  Type: string;
}

export interface Chart {
  metadata: ChartMetadata;
  values: Record<string, unknown>;
  schema: Uint8Array | null;
  templates: ChartFile[];
  /** Every file that is not Chart.yaml, values.yaml, a template or a subchart (what `.Files` serves). */
  files: ChartFile[];
  dependencies: Chart[];
  parent: Chart | null;
}

export const isRoot = (c: Chart) => c.parent === null;

/** Helm's ChartFullPath: "parent/charts/child" for subcharts. */
export function chartFullPath(c: Chart): string {
  return c.parent ? `${chartFullPath(c.parent)}/charts/${c.metadata.Name}` : c.metadata.Name;
}

export const isLibrary = (c: Chart) => c.metadata.Type === "library";

/** CRD files: files under crds/ ending in .yaml/.yml/.json (Helm's Chart.CRDObjects). */
export function crdFiles(c: Chart): ChartFile[] {
  return c.files.filter((f) => f.name.startsWith("crds/") && /\.(ya?ml|json)$/.test(f.name));
}
