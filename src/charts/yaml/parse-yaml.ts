// Reading YAML as Helm does (sigs.k8s.io/yaml: yaml.v2, then JSON): YAML 1.1 booleans
// (yes/no/on/off), merge keys, timestamps kept as strings, every number a float64
// (a JS number), maps as plain objects with string keys, only the first document.
import { parseAllDocuments, type ScalarTag, type CollectionTag, type DocumentOptions, type ParseOptions, type SchemaOptions } from "yaml";

type AnyTag = ScalarTag | CollectionTag;

// Plain-scalar number rules of yaml.v2's resolve(): ParseInt(s, 0, 64) after dropping
// underscores, else its YAML-style float pattern. (The yaml package's 1.1 patterns are
// looser, e.g. they read "e20" as a float.)
const goInt: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: /^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/,
  resolve(s: string) {
    const plain = s.replaceAll("_", "");
    const neg = plain.startsWith("-");
    const body = plain.replace(/^[-+]/, "");
    let v: number;
    if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
    else if (/^0[oO]/.test(body)) v = parseInt(body.slice(2), 8);
    else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
    else if (/^0[0-7]+$/.test(body)) v = parseInt(body.slice(1), 8);
    else v = Number(body);
    return neg ? -v : v;
  },
};
const goFloat: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  test: /^[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  resolve: (s: string) => Number(s.replaceAll("_", "")),
};

const parseOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  version: "1.1" as const,
  merge: true,
  uniqueKeys: false,
  // yaml.v2 has no sexagesimal numbers and reads timestamps into interface{} as strings.
  customTags: (tags) => [
    ...(tags as AnyTag[]).filter((t) => {
      if (t.tag === "tag:yaml.org,2002:timestamp") return false;
      if (t.tag === "tag:yaml.org,2002:int") return false;
      if (t.tag === "tag:yaml.org,2002:float") return (t as ScalarTag).test?.test(".inf") || (t as ScalarTag).test?.test(".nan");
      return true;
    }),
    goInt,
    goFloat,
  ],
};

export class YamlError extends Error {}

/** Parse the first YAML document of `text` into Go-shaped data (null for an empty document). */
export function parseYaml(text: string): unknown {
  const docs = parseAllDocuments(text, parseOptions);
  if (!Array.isArray(docs)) return null;
  const doc = docs[0];
  if (!doc) return null;
  if (doc.errors.length > 0) throw new YamlError(describe(doc.errors[0]!, text));
  return normalize(doc.toJS({ maxAliasCount: -1 }));
}

/** Parse every document (fromYamlArray / manifests need only the first; kept for callers). */
export function parseYamlAll(text: string): unknown[] {
  const docs = parseAllDocuments(text, parseOptions);
  if (!Array.isArray(docs)) return [];
  return docs.map((d) => {
    if (d.errors.length > 0) throw new YamlError(describe(d.errors[0]!, text));
    return normalize(d.toJS({ maxAliasCount: -1 }));
  });
}

function describe(err: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }, _text: string): string {
  const line = err.linePos?.[0]?.line;
  const first = err.message.split("\n")[0]!;
  return line ? `yaml: line ${line}: ${first}` : `yaml: ${first}`;
}

/** Map the yaml library's JS values onto the Go value model (numbers as float64, no Map/Set/Date). */
export function normalize(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of v) out[keyString(k)] = normalize(val);
    return out;
  }
  if (v instanceof Set) {
    const out: Record<string, unknown> = {};
    for (const k of v) out[keyString(k)] = null;
    return out;
  }
  if (v instanceof Uint8Array) return Buffer.from(v).toString("latin1");
  if (v instanceof Date) return v.toISOString();
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) out[k] = normalize(val);
  return out;
}

function keyString(k: unknown): string {
  if (k === null || k === undefined) return "null";
  return String(k);
}
