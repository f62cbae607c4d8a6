// The library entry point: load a chart, compute its values, render it, and sort the
// output into manifests, hooks and notes — what `helm template` / `helm install` do
// before anything reaches the cluster.
import { loadChart } from "./load/load-chart.ts";
import { crdFiles, type Chart } from "./chart-types.ts";
import { coalesceValues, type Values } from "./values/coalesce.ts";
import { processDependencies } from "./values/dependencies.ts";
import { isCompatibleRange } from "./values/dependencies.ts";
import { mergeUserValues, type ValueOptions } from "./values/user-values.ts";
import { validateAgainstSchemas } from "./values/schema.ts";
import { makeCapabilities, DEFAULT_KUBE_VERSION } from "./engine/capabilities.ts";
import { renderTemplates } from "./engine/render-templates.ts";
import { sortManifests, type Hook, type Manifest } from "./output/manifests.ts";

export interface RenderOptions extends ValueOptions {
  releaseName?: string;
  namespace?: string;
  kubeVersion?: string;
  apiVersions?: string[];
  revision?: number;
  isUpgrade?: boolean;
  /** Already-merged user values; used instead of the file/--set options when given. */
  userValues?: Values;
}

export interface RenderResult {
  chart: Chart;
  /** The final values the top chart's templates saw as `.Values`. */
  values: Values;
  manifests: Manifest[];
  hooks: Hook[];
  /** CRDs from crds/ folders (chart and subcharts): path and content. */
  crds: { path: string; content: string }[];
  notes: string;
}

/**
 * Errors carry `partialManifest` when rendering got as far as producing files
 * (Helm prints those with --debug).
 */
export class ChartRenderError extends Error {
  constructor(message: string, readonly partialManifest: string | null) { super(message); }
}

function allCrds(c: Chart, prefix = c.metadata.Name): { path: string; content: string }[] {
  const out = crdFiles(c).map((f) => ({ path: `${prefix}/${f.name}`, content: new TextDecoder().decode(f.data) }));
  for (const d of c.dependencies) out.push(...allCrds(d, `${prefix}/charts/${d.metadata.Name}`));
  return out;
}

export function renderChart(chartPath: string, opts: RenderOptions = {}): RenderResult {
  const chart = loadChart(chartPath);
  return renderLoadedChart(chart, opts);
}

export function renderLoadedChart(chart: Chart, opts: RenderOptions = {}): RenderResult {
  const userValues = opts.userValues ?? mergeUserValues(opts);
  const releaseName = opts.releaseName ?? "release-name";
  const namespace = opts.namespace ?? "default";
  const caps = makeCapabilities(opts.kubeVersion ?? DEFAULT_KUBE_VERSION, opts.apiVersions ?? []);
  if (chart.metadata.Type !== "" && chart.metadata.Type !== "application") throw new ChartRenderError(`${chart.metadata.Type} charts are not installable`, null);
  if (chart.metadata.KubeVersion && !isCompatibleRange(chart.metadata.KubeVersion, caps.KubeVersion.Version)) {
    throw new ChartRenderError(`chart requires kubeVersion: ${chart.metadata.KubeVersion} which is incompatible with Kubernetes ${caps.KubeVersion.Version}`, null);
  }
  for (const d of chart.metadata.Dependencies ?? []) {
    if (!chart.dependencies.some((c) => c.metadata.Name === d.name)) {
      throw new ChartRenderError(`An error occurred while checking for chart dependencies. You may need to run \`helm dependency build\` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: ${d.name}`, null);
    }
  }
  processDependencies(chart, userValues);
  const values = coalesceValues(chart, userValues);
  validateAgainstSchemas(chart, values);
  const top: Values = {
    Values: values,
    Release: {
      Name: releaseName, Namespace: namespace, IsUpgrade: !!opts.isUpgrade, IsInstall: !opts.isUpgrade,
      Revision: BigInt(opts.revision ?? 1), Service: "Helm",
    },
    Capabilities: caps,
  };
  let files: Map<string, string>;
  try {
    files = renderTemplates(chart, top);
  } catch (e) {
    throw new ChartRenderError((e as Error).message, "");
  }
  let notes = "";
  for (const k of [...files.keys()]) {
    if (k.endsWith("NOTES.txt")) {
      if (k === `${chart.metadata.Name}/templates/NOTES.txt`) notes += files.get(k);
      files.delete(k);
    }
  }
  try {
    const { manifests, hooks } = sortManifests(files);
    return { chart, values, manifests, hooks, crds: allCrds(chart), notes };
  } catch (e) {
    let blob = "";
    for (const [name, content] of files) if (content.trim() !== "") blob += `---\n# Source: ${name}\n${content}\n`;
    throw new ChartRenderError((e as Error).message, blob);
  }
}
