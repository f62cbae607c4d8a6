// The text `helm template` prints for a render result: CRDs (with --include-crds),
// manifests, then hooks (minus tests with --skip-tests), each under a "# Source:"
// header; --show-only keeps the documents whose path matches one of the globs.
import type { RenderResult } from "./render-chart.ts";
import { splitManifests } from "./output/manifests.ts";
import { globMatch } from "./load/glob.ts";

export interface TemplateOutputOptions {
  includeCrds?: boolean;
  skipTests?: boolean;
  noHooks?: boolean;
  showOnly?: string[];
}

export class ShowOnlyError extends Error {}

export function manifestText(r: RenderResult, includeCrds: boolean): string {
  let b = "";
  if (includeCrds) for (const c of r.crds) b += `---\n# Source: ${c.path}\n${c.content}\n`;
  for (const m of r.manifests) b += `---\n# Source: ${m.path}\n${m.content}\n`;
  return b;
}

export function templateOutput(r: RenderResult, opts: TemplateOutputOptions = {}): string {
  let out = manifestText(r, !!opts.includeCrds).trim() + "\n";
  if (!opts.noHooks) {
    for (const h of r.hooks) {
      if (opts.skipTests && h.events.includes("test")) continue;
      out += `---\n# Source: ${h.path}\n${h.content}\n`;
    }
  }
  if (!opts.showOnly || opts.showOnly.length === 0) return out;
  const docs = splitManifests(out);
  const picked: string[] = [];
  for (const f of opts.showOnly) {
    let missing = true;
    for (const doc of docs) {
      const m = /# Source: [^/]+\/(.+)/.exec(doc);
      if (!m) continue;
      if (!globMatch(f, m[1]!)) continue;
      picked.push(doc);
      missing = false;
    }
    if (missing) throw new ShowOnlyError(`could not find template ${f} in chart`);
  }
  return picked.map((d) => `---\n${d}\n`).join("");
}
