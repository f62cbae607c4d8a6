// Loading a chart from a folder or a .tgz archive, as Helm's loader does: Chart.yaml,
// values.yaml, values.schema.json, templates/, charts/ (folders and archives, loaded
// recursively), requirements.yaml for apiVersion v1, everything else as Files.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Chart, ChartFile } from "../chart-types.ts";
import { parseYaml } from "../yaml/parse-yaml.ts";
import { parseMetadata, parseDependency, validateMetadata } from "./chart-metadata.ts";
import { chartFilesFromArchive } from "./tar.ts";
import { IgnoreRules } from "./helmignore.ts";

export class ChartLoadError extends Error {}

const text = (d: Uint8Array) => new TextDecoder().decode(d);

/** Load a chart from a folder or a chart archive path. */
export function loadChart(path: string): Chart {
  if (!existsSync(path)) throw new ChartLoadError(`path ${JSON.stringify(path)} not found`);
  const st = statSync(path);
  if (st.isDirectory()) return loadFiles(readChartDir(path));
  return loadArchive(readFileSync(path));
}

export function loadArchive(bytes: Uint8Array): Chart {
  return loadFiles(chartFilesFromArchive(bytes));
}

/** Files of a chart folder, with its .helmignore (plus Helm's defaults) applied. */
export function readChartDir(dir: string): ChartFile[] {
  const rules = existsSync(join(dir, ".helmignore"))
    ? IgnoreRules.parse(readFileSync(join(dir, ".helmignore"), "utf8"))
    : new IgnoreRules();
  rules.addDefaults();
  const out: ChartFile[] = [];
  const walk = (rel: string) => {
    const abs = rel ? join(dir, rel) : dir;
    for (const name of readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, r));
      if (st.isDirectory()) {
        if (rules.ignore(r, true)) continue;
        walk(r);
      } else if (st.isFile()) {
        if (rules.ignore(r, false)) continue;
        out.push({ name: r, data: new Uint8Array(readFileSync(join(dir, r))) });
      }
    }
  };
  walk("");
  return out;
}

/** Build a chart from its files (names relative to the chart root). */
export function loadFiles(files: ChartFile[]): Chart {
  const chart: Chart = {
    metadata: parseMetadata({}),
    values: {},
    schema: null,
    templates: [],
    files: [],
    dependencies: [],
    parent: null,
  };
  const chartYaml = files.find((f) => f.name === "Chart.yaml");
  if (!chartYaml) throw new ChartLoadError("Chart.yaml file is missing");
  chart.metadata = parseMetadata(parseYaml(text(chartYaml.data)));
  if (chart.metadata.APIVersion === "") chart.metadata.APIVersion = "v1";

  const subchartFiles = new Map<string, ChartFile[]>();
  const subchartOrder: string[] = [];
  for (const f of files) {
    if (f.name === "Chart.yaml") continue;
    if (f.name === "requirements.yaml") {
      if (chart.metadata.APIVersion === "v1") {
        const req = parseYaml(text(f.data)) as { dependencies?: unknown[] } | null;
        chart.metadata.Dependencies = (req?.dependencies ?? []).map((d) => parseDependency(d as Record<string, unknown>));
      }
      chart.files.push(f);
    } else if (f.name === "Chart.lock" || f.name === "requirements.lock") {
      continue;
    } else if (f.name === "values.yaml") {
      const v = parseYaml(text(f.data));
      chart.values = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } else if (f.name === "values.schema.json") {
      chart.schema = f.data;
    } else if (f.name.startsWith("templates/")) {
      chart.templates.push(f);
    } else if (f.name.startsWith("charts/")) {
      if (f.name.endsWith(".prov")) { chart.files.push(f); continue; }
      const rest = f.name.slice("charts/".length);
      const slash = rest.indexOf("/");
      const key = slash < 0 ? rest : rest.slice(0, slash);
      if (!subchartFiles.has(key)) { subchartFiles.set(key, []); subchartOrder.push(key); }
      subchartFiles.get(key)!.push({ name: slash < 0 ? "" : rest.slice(slash + 1), data: f.data });
    } else {
      chart.files.push(f);
    }
  }
  validateMetadata(chart.metadata);

  for (const key of subchartOrder) {
    const group = subchartFiles.get(key)!;
    let sub: Chart;
    if (group.length === 1 && group[0]!.name === "") {
      if (!/\.t?gz$/.test(key) && !key.endsWith(".tar.gz")) continue;
      try {
        sub = loadArchive(group[0]!.data);
      } catch (e) {
        throw new ChartLoadError(`error unpacking subchart ${key} in ${chart.metadata.Name}: ${(e as Error).message}`);
      }
    } else {
      try {
        sub = loadFiles(group.filter((f) => f.name !== ""));
      } catch (e) {
        throw new ChartLoadError(`error unpacking subchart ${key} in ${chart.metadata.Name}: ${(e as Error).message}`);
      }
    }
    sub.parent = chart;
    chart.dependencies.push(sub);
  }
  return chart;
}
