// Rendering a chart's templates as Helm's pkg/engine does: every template of the chart
// and its subcharts in one set (parsed deepest path first, then reverse-lexically, so a
// parent's define wins), partials (_*) not rendered, missingkey=zero with "<no value>"
// removed, per-file .Template, include/tpl bound late, Helm v4's error message formats.
import { TemplateSet } from "../gotemplate/index.ts";
import { chartFullPath, isLibrary, type Chart } from "../chart-types.ts";
import { helmFuncMap } from "../funcs/index.ts";
import { execErrorText } from "./exec-error-format.ts";
import { quote } from "../gotemplate/quote.ts";
import { Files } from "./files.ts";
import { isTable, type Values } from "../values/coalesce.ts";
import { tableAt } from "../values/values-path.ts";

const RECURSION_MAX = 1000;
/** Helm's root template: the set's name, and the name tpl gives its text (Helm v4). */
const ROOT_NAME = "gotpl";

export class RenderError extends Error {}

interface Renderable { text: string; vals: Values; basePath: string }

function baseName(p: string) { return p.slice(p.lastIndexOf("/") + 1); }

/** Collect templates with the values each one sees (Helm's recAllTpls). */
function collect(c: Chart, out: Map<string, Renderable>, vals: Values): Values {
  const subcharts: Values = {};
  const next: Values = {
    Chart: { ...c.metadata, IsRoot: c.parent === null },
    Files: new Files(c.files),
    Release: vals.Release,
    Capabilities: vals.Capabilities,
    Values: {},
    Subcharts: subcharts,
  };
  if (c.parent === null) next.Values = vals.Values;
  else {
    const t = isTable(vals.Values) ? tableAt(vals.Values as Values, c.metadata.Name) : null;
    if (t) next.Values = t;
  }
  for (const child of c.dependencies) subcharts[child.metadata.Name] = collect(child, out, next);
  const id = chartFullPath(c);
  for (const t of c.templates) {
    if (isLibrary(c) && !baseName(t.name).startsWith("_")) continue;
    out.set(`${id}/${t.name}`, { text: new TextDecoder().decode(t.data), vals: next, basePath: `${id}/templates` });
  }
  return next;
}

/** Deepest paths first; equal depth in reverse lexical order. */
export function sortTemplates(names: string[]): string[] {
  const depth = (s: string) => s.split("/").length - 1;
  return [...names].sort((a, b) => {
    const da = depth(a), db = depth(b);
    if (da !== db) return db - da;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}

function parseErrorMessage(filename: string, err: Error): Error {
  const tokens = err.message.split(": ");
  if (tokens.length === 1) return new RenderError(`parse error in (${filename}): ${err.message}`);
  return new RenderError(`parse error at (${tokens[1]}): ${tokens[tokens.length - 1]}`);
}

export interface RenderedTemplates {
  /** File path (e.g. "mychart/templates/x.yaml") → rendered text, partials excluded. */
  files: Map<string, string>;
}

/** Render every non-partial template of `chart` with the top-level values `top` (.Values, .Release, .Capabilities). */
export function renderTemplates(chart: Chart, top: Values): Map<string, string> {
  const tpls = new Map<string, Renderable>();
  collect(chart, tpls, top);
  const keys = sortTemplates([...tpls.keys()]);

  const set = new TemplateSet({ name: ROOT_NAME, funcs: helmFuncMap(), missingKey: "zero" });
  const includedNames = new Map<string, number>();

  const include = (target: TemplateSet) => (name: string, data: unknown) => {
    const n = includedNames.get(name) ?? 0;
    if (n > RECURSION_MAX) throw new Error(`rendering template has a nested reference name: ${name}: unable to execute template`);
    includedNames.set(name, n + 1);
    try {
      return target.execute(name, data);
    } finally {
      includedNames.set(name, (includedNames.get(name) ?? 1) - 1);
    }
  };

  // tpl parses its text into a copy of the whole set (so it sees every define and its own).
  const tpl = (text: string, vals: unknown) => {
    const clone = new TemplateSet({ name: ROOT_NAME, funcs: helmFuncMap(), missingKey: "zero" });
    // Bound before parsing: Go checks at parse time that every function called exists.
    clone.addFuncs({ include: include(clone), tpl });
    for (const k of keys) clone.parse(k, tpls.get(k)!.text);
    const tname = ROOT_NAME;
    try {
      clone.parse(tname, text);
    } catch (e) {
      throw new Error(`cannot parse template ${quote(text)}: ${(e as Error).message}`, { cause: e });
    }
    try {
      return clone.execute(tname, vals).replaceAll("<no value>", "");
    } catch (e) {
      throw new Error(`error during tpl function execution for ${quote(text)}: ${(e as Error).message}`, { cause: e });
    }
  };
  set.addFuncs({ include: include(set), tpl });

  for (const k of keys) {
    try {
      set.parse(k, tpls.get(k)!.text);
    } catch (e) {
      throw parseErrorMessage(k, e as Error);
    }
  }

  const rendered = new Map<string, string>();
  for (const k of keys) {
    if (baseName(k).startsWith("_")) continue;
    const r = tpls.get(k)!;
    r.vals.Template = { Name: k, BasePath: r.basePath };
    let out: string;
    try {
      out = set.execute(k, r.vals);
    } catch (e) {
      throw new RenderError(execErrorText(k, e as Error));
    }
    rendered.set(k, out.replaceAll("<no value>", ""));
  }
  return rendered;
}
