// k3s's HelmChart (helm.cattle.io/v1) in the auto-deploy folder: spec.chart is a local chart
// folder or .tgz relative to the folder; spec.valuesContent (YAML) and spec.set give the
// values; spec.targetNamespace (else the object's namespace, else "default") is where the
// release lives. The chart is installed, or upgraded when what it renders has changed.
import { isAbsolute, join } from "node:path";
import { parse } from "yaml";
import type { ActionContext, Values } from "../../charts/release/action-context.ts";
import { install } from "../../charts/release/install.ts";
import { upgrade, mergeValues } from "../../charts/release/upgrade.ts";
import { renderedFromResult } from "../../charts/release/rendered.ts";
import { loadChart } from "../../charts/load/load-chart.ts";
import { renderLoadedChart } from "../../charts/render-chart.ts";
import type { Release } from "../../charts/release/release-types.ts";
import type { HelmChartObject } from "./manifest-file.ts";

/** The values a HelmChart asks for: valuesContent, then spec.set on top. */
export function helmChartValues(hc: HelmChartObject): Values {
  const fromContent = hc.spec?.valuesContent ? ((parse(hc.spec.valuesContent) ?? {}) as Values) : {};
  let out = fromContent;
  for (const [path, v] of Object.entries(hc.spec?.set ?? {})) {
    const keys = path.split(".");
    let nested: Values = { [keys.at(-1)!]: v };
    for (const k of keys.slice(0, -1).reverse()) nested = { [k]: nested };
    out = mergeValues(out, nested);
  }
  return out;
}

/** Install or upgrade the release a HelmChart describes; returns undefined when nothing changed. */
export async function deployHelmChart(ctx: ActionContext, hc: HelmChartObject, folder: string): Promise<Release | undefined> {
  const chartRef = hc.spec?.chart;
  if (!chartRef) throw new Error(`HelmChart ${hc.metadata.name}: spec.chart is required`);
  const chartPath = isAbsolute(chartRef) ? chartRef : join(folder, chartRef);
  const name = hc.metadata.name;
  const namespace = hc.spec?.targetNamespace || hc.metadata.namespace || "default";
  const config = helmChartValues(hc);
  const chart = loadChart(chartPath);
  const render = ({ revision, isUpgrade, config }: { revision: number; isUpgrade: boolean; config: Values }) =>
    renderedFromResult(renderLoadedChart(chart, { releaseName: name, namespace, revision, isUpgrade, userValues: structuredClone(config) }));

  const history = await ctx.store.history(namespace, name);
  const last = history[history.length - 1];
  if (!last || last.info.status === "uninstalled") {
    return install(ctx, { name, namespace, render, config, createNamespace: hc.spec?.createNamespace ?? true, replace: !!last });
  }
  if (last.info.status === "deployed") {
    // A restart re-reads every file: do not add a revision when nothing would change.
    // Rendered as the last revision was (same revision number), so only real changes differ.
    const again = render({ revision: last.version, isUpgrade: last.version > 1, config });
    const same = JSON.stringify(last.config ?? {}) === JSON.stringify(config) && last.manifest === again.manifest
      && JSON.stringify(last.chart.metadata) === JSON.stringify(again.chart.metadata);
    if (same) return undefined;
  }
  return upgrade(ctx, { name, namespace, render, config, valuesGiven: true });
}
