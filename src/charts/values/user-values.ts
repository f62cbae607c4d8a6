// Combining the user's values as Helm's CLI does (pkg/cli/values): -f files first
// (maps merged, later files win), then --set-json, --set, --set-string, --set-file,
// --set-literal, each kind in the order given.
import { readFileSync } from "node:fs";
import { parseYaml } from "../yaml/parse-yaml.ts";
import { isTable, type Values } from "./coalesce.ts";
import { parseSet, parseSetFile, parseSetJson, parseSetLiteral, parseSetString } from "./strvals.ts";

export interface ValueOptions {
  valueFiles?: string[];
  values?: string[];
  stringValues?: string[];
  fileValues?: string[];
  jsonValues?: string[];
  literalValues?: string[];
}

export class ValuesError extends Error {}

export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (isTable(v) && isTable(out[k])) out[k] = mergeMaps(out[k] as Values, v);
    else out[k] = v;
  }
  return out;
}

function readValuesFile(path: string): string {
  try {
    return path === "-" ? readFileSync(0, "utf8") : readFileSync(path, "utf8");
  } catch {
    throw new ValuesError(`open ${path}: no such file or directory`);
  }
}

export function mergeUserValues(opts: ValueOptions): Values {
  let base: Values = {};
  for (const f of opts.valueFiles ?? []) {
    let cur: unknown;
    try {
      cur = parseYaml(readValuesFile(f));
    } catch (e) {
      if (e instanceof ValuesError) throw e;
      throw new ValuesError(`failed to parse ${f}: error converting YAML to JSON: ${(e as Error).message}`);
    }
    if (cur !== null && !isTable(cur)) throw new ValuesError(`failed to parse ${f}: error unmarshaling JSON: json: cannot unmarshal ${Array.isArray(cur) ? "array" : typeof cur} into Go value of type map[string]interface {}`);
    base = mergeMaps(base, (cur as Values) ?? {});
  }
  for (const v of opts.jsonValues ?? []) {
    try { parseSetJson(v, base); } catch { throw new ValuesError(`failed parsing --set-json data ${v}`); }
  }
  for (const v of opts.values ?? []) {
    try { parseSet(v, base); } catch (e) { throw new ValuesError(`failed parsing --set data: ${(e as Error).message}`); }
  }
  for (const v of opts.stringValues ?? []) {
    try { parseSetString(v, base); } catch (e) { throw new ValuesError(`failed parsing --set-string data: ${(e as Error).message}`); }
  }
  for (const v of opts.fileValues ?? []) {
    try { parseSetFile(v, base, readValuesFile); } catch (e) { throw new ValuesError(`failed parsing --set-file data: ${(e as Error).message}`); }
  }
  for (const v of opts.literalValues ?? []) {
    try { parseSetLiteral(v, base); } catch (e) { throw new ValuesError(`failed parsing --set-literal data: ${(e as Error).message}`); }
  }
  return base;
}
