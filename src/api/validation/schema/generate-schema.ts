// The source of kube-schema.generated.ts: the field names and value types of every served
// kind's upstream type, read from kubernetes-types' declaration files (which exist only at
// development time, so the table is generated and committed).
// Run through scripts/generate-kind-schemas.ts, which names the types from the declarations.
// Integer widths (int32/int64) come from the upstream OpenAPI formats, which
// kubernetes-types drops and @kubernetes/client-node's generated models keep.
import { existsSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";

const root = join(import.meta.dir, "../../../../node_modules/kubernetes-types");
const modelsDir = join(import.meta.dir, "../../../../node_modules/@kubernetes/client-node/dist/gen/models");

/** The OpenAPI format of a numeric field ("int32", "int64", "double"), from client-node's model of the type. */
function numberFormat(mod: string, type: string, field: string): string | undefined {
  const [group, version] = mod.split("/") as [string, string];
  const v = version.toUpperCase().slice(0, 1) + version.slice(1);
  const prefixed = group.slice(0, 1).toUpperCase() + group.slice(1) + v;
  for (const model of [`${prefixed}${type}`, `${v}${type}`]) {
    const file = join(modelsDir, `${model}.js`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const m = new RegExp(`"name": "${field}",[^}]*?"format": "(\\w*)"`).exec(text);
    if (m) return m[1] || undefined;
  }
  return undefined;
}

export const VALIDATION_SCHEMA_FILE = join(import.meta.dir, "kube-schema.generated.ts");

type Module = { interfaces: Map<string, [string, string][]>; aliases: Map<string, string>; imports: Map<string, string> };
const modules = new Map<string, Module>();

function load(mod: string): Module {
  let m = modules.get(mod);
  if (m) return m;
  const file = join(root, `${mod}.d.ts`);
  if (!existsSync(file)) throw new Error(`kubernetes-types has no module ${mod}`);
  const text = readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
  m = { interfaces: new Map(), aliases: new Map(), imports: new Map() };
  for (const im of text.matchAll(/import \{([^}]*)\} from "([^"]+)";/g)) {
    const target = join(dirname(mod), im[2]!).replace(/\\/g, "/");
    for (const name of im[1]!.split(",").map((s) => s.trim()).filter(Boolean)) m.imports.set(name, target);
  }
  for (const al of text.matchAll(/export type (\w+) = ([^;]+);/g)) m.aliases.set(al[1]!, al[2]!.trim());
  for (const it of text.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
    const fields: [string, string][] = [];
    // A field's type may span lines (maps): join each declaration up to its closing ";" at depth 0.
    const body = it[2]!;
    let depth = 0;
    let cur = "";
    for (const ch of body) {
      cur += ch;
      if (ch === "{" || ch === "<") depth++;
      if (ch === "}" || ch === ">") depth--;
      if (ch === ";" && depth === 0) {
        const f = cur.trim().match(/^(?:readonly\s+)?("?[\w$-]+"?)\??:\s*([\s\S]+);$/);
        if (f) fields.push([f[1]!.replace(/"/g, ""), f[2]!.replace(/\s+/g, " ").trim()]);
        cur = "";
      }
    }
    m.interfaces.set(it[1]!, fields);
  }
  modules.set(mod, m);
  return m;
}

let out: Record<string, Record<string, string>> = {};

function ref(mod: string, type: string, owner?: [string, string]): string {
  type = type.trim();
  if (type === "string" || /^"[^"]*"$/.test(type)) return "string";
  if (type === "number") {
    const format = owner && numberFormat(mod, owner[0], owner[1]);
    if (!format) console.warn(`no OpenAPI format for ${mod}.${owner?.join(".")}: taken as int64`);
    return format === "int32" ? "int32" : format === "double" ? "number" : "int64";
  }
  if (type === "boolean") return "boolean";
  if (type === "number | string" || type === "string | number") return "int-or-string";
  const arr = type.match(/^Array<(.+)>$/);
  if (arr) return `[]${ref(mod, arr[1]!, owner)}`;
  const map = type.match(/^\{ \[name: string\]: (.+); \}$/);
  if (map) return `{}${ref(mod, map[1]!, owner)}`;
  const m = load(mod);
  if (m.aliases.has(type)) return ref(mod, m.aliases.get(type)!);
  if (m.interfaces.has(type)) return named(mod, type);
  const from = m.imports.get(type);
  if (from) return ref(from, type);
  throw new Error(`unknown type ${type} in ${mod}`);
}

function named(mod: string, name: string): string {
  const fields = load(mod).interfaces.get(name);
  if (!fields) throw new Error(`kubernetes-types has no interface ${name} in ${mod}`);
  if (!fields.length) return "any"; // RawExtension, FieldsV1: free-form
  const key = `${mod}.${name}`;
  if (!out[key]) {
    out[key] = {};
    for (const [f, t] of fields) out[key]![f] = ref(mod, t, [name, f]);
  }
  return `#${key}`;
}

/** The generated file's text for these types ("core/v1.Pod": kubernetes-types module and interface). */
export function generateValidationSchema(types: string[]): string {
  out = {};
  for (const type of types) {
    const dot = type.lastIndexOf(".");
    named(type.slice(0, dot), type.slice(dot + 1));
  }
  const header = "// Generated by scripts/generate-kind-schemas.ts from kubernetes-types; do not edit by hand.\n" +
    "// Field value codes: string, int32, int64, number, boolean, int-or-string, any, []T (list), {}T (map), #Type (object).\n" +
    "// A kind's root is its declaration's schema.validation (\"core/v1.Pod\").\n";
  return header + `export const objectTypes: Record<string, Record<string, string>> = ${JSON.stringify(out)};\n`;
}
