// Helm's own additions to the function map (pkg/engine/funcs.go): YAML/JSON/TOML
// conversion, required and fail with Helm's error markers, lookup without a cluster.
// include and tpl need the template set, so the renderer binds them.
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { marshalYaml } from "../yaml/go-yaml-emitter.ts";
import { parseYaml, parseYamlAll } from "../yaml/parse-yaml.ts";
import { goJson, isDict, strval } from "./go-values.ts";

type F = (...args: any[]) => unknown;

/** Markers that let the renderer recognise required/fail messages inside Go's error text. */
export const WARN_START = "HELM_ERR_START";
export const WARN_END = "HELM_ERR_END";
export const warnWrap = (msg: string) => `${WARN_START}${msg}${WARN_END}`;

function toYaml(v: unknown): string {
  return marshalYaml(v).replace(/\n$/, "");
}

/** toYamlPretty: yaml.v3 with 2-space indent, which also indents lists under their key. */
function toYamlPretty(v: unknown): string {
  const flat = toYaml(v);
  // yaml.v3 indents block sequences inside mappings; re-indent "- " lines that sit at their key's level.
  const lines = flat.split("\n");
  const out: string[] = [];
  const stack: number[] = [];
  for (const line of lines) {
    const ind = line.length - line.trimStart().length;
    while (stack.length && ind < stack[stack.length - 1]!) stack.pop();
    const extra = stack.length * 2;
    out.push(" ".repeat(extra) + line);
    if (/^\s*[^-\s].*:$/.test(line) && lines[lines.indexOf(line) + 1]?.startsWith(" ".repeat(ind) + "- ")) stack.push(ind);
  }
  return out.join("\n");
}

function fromYaml(s: unknown): unknown {
  try {
    const v = parseYaml(strval(s));
    if (v === null) return {};
    if (!isDict(v)) return { Error: `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v === "string" ? "string" : typeof v === "boolean" ? "bool" : "number"} into Go value of type map[string]interface {}` };
    return v;
  } catch (e) {
    return { Error: `error converting YAML to JSON: ${(e as Error).message}` };
  }
}

function fromYamlArray(s: unknown): unknown {
  try {
    const v = parseYaml(strval(s));
    if (v === null) return [];
    if (!Array.isArray(v)) return [`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}`];
    return v;
  } catch (e) {
    return [`error converting YAML to JSON: ${(e as Error).message}`];
  }
}

function fromJson(s: unknown): unknown {
  try {
    const v = JSON.parse(strval(s));
    if (!isDict(v)) return { Error: `json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go value of type map[string]interface {}` };
    return v;
  } catch (e) {
    return { Error: (e as Error).message };
  }
}

function fromJsonArray(s: unknown): unknown {
  try {
    const v = JSON.parse(strval(s));
    if (!Array.isArray(v)) return [`json: cannot unmarshal object into Go value of type []interface {}`];
    return v;
  } catch (e) {
    return [(e as Error).message];
  }
}

function toToml(v: unknown): string {
  try {
    return stringifyToml(jsonShape(v) as Record<string, unknown>);
  } catch (e) {
    return (e as Error).message;
  }
}

function jsonShape(v: unknown): unknown {
  return JSON.parse(goJson(v));
}

export const helmFuncs: Record<string, F> = {
  toYaml: (v: unknown) => { try { return toYaml(v); } catch { return ""; } },
  mustToYaml: (v: unknown) => toYaml(v),
  toYamlPretty: (v: unknown) => { try { return toYamlPretty(v); } catch { return ""; } },
  fromYaml,
  fromYamlArray,
  fromYamlAll: (s: unknown) => parseYamlAll(strval(s)),
  toJson: (v: unknown) => { try { return goJson(v); } catch { return ""; } },
  mustToJson: (v: unknown) => goJson(v),
  fromJson,
  fromJsonArray,
  toToml,
  mustToToml: (v: unknown) => stringifyToml(jsonShape(v) as Record<string, unknown>),
  fromToml: (s: unknown) => { try { return parseToml(strval(s)); } catch (e) { return { Error: (e as Error).message }; } },
  required: (warn: unknown, val: unknown) => {
    if (val === null || val === undefined) throw new Error(warnWrap(strval(warn)));
    if (typeof val === "string" && val === "") throw new Error(warnWrap(strval(warn)));
    return val;
  },
  fail: (msg: unknown) => { throw new Error(warnWrap(strval(msg))); },
  lookup: () => ({}),
  getHostByName: () => "",
};
