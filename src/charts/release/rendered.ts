// A render result of the chart pipeline turned into what a release stores: the manifest
// text as helm writes it ("---\n# Source: path\n<doc>\n" per document), hooks with an
// empty last run, the chart in Helm's JSON form, the notes.
import type { RenderResult } from "../render-chart.ts";
import { manifestText } from "../template-output.ts";
import type { Rendered } from "./action-context.ts";
import { chartJson } from "./release-types.ts";

export function renderedFromResult(r: RenderResult): Rendered {
  return {
    chart: chartJson(r.chart),
    manifest: manifestText(r, false),
    hooks: r.hooks.map((h) => ({
      name: h.name,
      kind: h.kind,
      path: h.path,
      manifest: h.content,
      events: h.events,
      last_run: { phase: "" },
      ...(h.weight ? { weight: h.weight } : {}),
      ...(h.deletePolicies.length ? { delete_policies: h.deletePolicies } : {}),
    })),
    notes: r.notes,
  };
}
