// The source of kube-proto-schema.generated.ts: field numbers and JSON names of every
// protobuf message reachable from the served kinds' `schema.protobuf`. Development-time only.
//
// Source of truth: the FileDescriptorProtos that k8s.io/api and k8s.io/apimachinery register
// from their generated.proto files. Every Go client embeds them gzipped, so they are read
// straight out of a kubectl binary (the exact version whose bodies skiff must decode).
// kubernetes-types' declarations add the two facts protobuf does not carry: which fields
// JSON always prints (required, i.e. no omitempty) and which are inlined (`json:",inline"`).
//
// Run through scripts/generate-kind-schemas.ts [/path/to/kubectl].
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDescriptors, shortName, shortPackage } from "./descriptors.ts";

export const PROTO_SCHEMA_FILE = join(import.meta.dir, "kube-proto-schema.generated.ts");

/** The kubectl whose embedded descriptors are read: the version whose bodies skiff decodes. */
export function findKubectl(): string | undefined {
  return ["/usr/lib/google-cloud-sdk/bin/kubectl.1.32", "/usr/bin/kubectl"].find((p) => existsSync(p));
}
const typesRoot = join(import.meta.dir, "../../../node_modules/kubernetes-types");

/** Accepted as protobuf besides the kinds: the body of a DELETE, and of `kubectl create token`. */
const EXTRA_ROOTS: [string, string][] = [
  ["meta.k8s.io/v1/DeleteOptions", "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions"],
  ["authentication.k8s.io/v1/TokenRequest", "k8s.io.api.authentication.v1.TokenRequest"],
  // The review APIs kubectl auth can-i / whoami post as protobuf.
  ["authorization.k8s.io/v1/SelfSubjectAccessReview", "k8s.io.api.authorization.v1.SelfSubjectAccessReview"],
  ["authorization.k8s.io/v1/SelfSubjectRulesReview", "k8s.io.api.authorization.v1.SelfSubjectRulesReview"],
  ["authorization.k8s.io/v1/SubjectAccessReview", "k8s.io.api.authorization.v1.SubjectAccessReview"],
  ["authorization.k8s.io/v1/LocalSubjectAccessReview", "k8s.io.api.authorization.v1.LocalSubjectAccessReview"],
  ["authentication.k8s.io/v1/SelfSubjectReview", "k8s.io.api.authentication.v1.SelfSubjectReview"],
];
/** Messages whose JSON form is not an object of their fields; the decoder knows each by name. */
const special = new Set(["meta/v1.Time", "meta/v1.MicroTime", "meta/v1.Duration", "meta/v1.FieldsV1", "resource.Quantity", "intstr.IntOrString", "runtime.RawExtension"]);

// --- kubernetes-types: required and present JSON fields per interface -----------------
const tsModules = new Map<string, Map<string, Map<string, boolean>>>();

/** JSON field name → required, for the interface matching a proto message; undefined if unknown. */
function tsFields(fullName: string): Map<string, boolean> | undefined {
  const mod = shortPackage(fullName.slice(0, fullName.lastIndexOf(".")));
  const file = join(typesRoot, `${mod}.d.ts`);
  if (!tsModules.has(mod)) {
    const interfaces = new Map<string, Map<string, boolean>>();
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "");
      for (const it of text.matchAll(/export interface (\w+) \{([\s\S]*?)\n\}/g)) {
        const fields = new Map<string, boolean>();
        for (const f of it[2]!.matchAll(/^\s+(?:readonly\s+)?"?([\w$-]+)"?(\??):/gm)) fields.set(f[1]!, f[2] !== "?");
        interfaces.set(it[1]!, fields);
      }
    }
    tsModules.set(mod, interfaces);
  }
  return tsModules.get(mod)!.get(fullName.slice(fullName.lastIndexOf(".") + 1));
}

const scalarNames: Record<number, string> = {
  1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32", 8: "bool", 9: "string",
  12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64",
};

// --- walk and emit ---------------------------------------------------------------------
/** The generated file's text and notes for these roots: "apiVersion/kind" → full message name. */
export function generateProtoSchema(kubectl: string, kindRoots: [string, string][]): { source: string; notes: string[]; messages: number } {
  const roots = [...kindRoots, ...EXTRA_ROOTS];
  const descriptors = loadDescriptors(new Uint8Array(readFileSync(kubectl)));
  if (descriptors.size < 100) throw new Error(`found only ${descriptors.size} messages in ${kubectl}`);

  const table = new Map<string, string>();
  /** Inlined messages have no interface of their own: their fields are the parent's. */
  const inlinedInto = new Map<string, string>();
  const notes: string[] = [];
  const queue = roots.map(([, message]) => message);
  while (queue.length > 0) {
    const full = queue.shift()!;
    const short = shortName(full);
    if (table.has(short) || special.has(short)) continue;
    const m = descriptors.get(full);
    if (!m) throw new Error(`message ${full} is not in ${kubectl}`);
    const json = tsFields(full) ?? (inlinedInto.has(full) ? tsFields(inlinedInto.get(full)!) : undefined);
    if (!json) notes.push(`no kubernetes-types interface for ${short}: every zero scalar is omitted`);
    const entries: string[] = [];
    for (const field of m.fields) {
      // A Go field named like APIGroup has the protobuf name aPIGroup; JSON says apiGroup.
      const jsonName = json && !json.has(field.name) ? [...json.keys()].find((k) => k.toLowerCase() === field.name.toLowerCase()) : undefined;
      const f = jsonName ? { ...field, name: jsonName } : field;
      let type: string;
      const flags: string[] = [];
      const entry = f.type === 11 ? descriptors.get(f.typeName) : undefined;
      if (entry?.mapEntry) {
        const [key, value] = [entry.fields.find((x) => x.number === 1)!, entry.fields.find((x) => x.number === 2)!];
        if (key.type !== 9) throw new Error(`${short}.${f.name}: map key type ${key.type} is not string`);
        type = value.type === 11 ? shortName(value.typeName) : scalarNames[value.type]!;
        if (value.type === 11) queue.push(value.typeName);
        flags.push("m");
      } else if (f.type === 11) {
        type = shortName(f.typeName);
        queue.push(f.typeName);
        if (f.label === 3) flags.push("r");
        // An embedded Go struct whose fields JSON lifts into the parent (`json:",inline"`).
        if (json && !json.has(f.name) && f.goName === f.typeName.slice(f.typeName.lastIndexOf(".") + 1)) {
          flags.push("i");
          inlinedInto.set(f.typeName, full);
          notes.push(`inline: ${short}.${f.name} (${type})`);
        }
      } else {
        type = scalarNames[f.type] ?? "";
        if (!type) throw new Error(`${short}.${f.name}: unsupported protobuf type ${f.type}`);
        if (f.label === 3) flags.push("r");
        else if (f.nullable || json?.get(f.name)) flags.push("z"); // a pointer, or a field JSON prints even when zero
      }
      if (json && !json.has(f.name) && !flags.includes("i")) notes.push(`not in kubernetes-types: ${short}.${f.name}`);
      entries.push(`${f.number}: [${JSON.stringify(f.name)}, ${JSON.stringify(type)}${flags.length ? `, ${JSON.stringify(flags.join(""))}` : ""}]`);
    }
    table.set(short, `  ${JSON.stringify(short)}: { ${entries.join(", ")} },`);
}

const kinds = roots.map(([key, message]) => `  ${JSON.stringify(key)}: ${JSON.stringify(shortName(message))},`);
const source = `// Generated by scripts/generate-kind-schemas.ts from the protobuf descriptors in kubectl and from
// kubernetes-types; do not edit by hand. Field: [json name, type, flags] where type is a
// protobuf scalar or a message below, and flags are r (repeated), m (map<string, type>),
// z (printed even when zero: a pointer in Go or a required JSON field), i (inlined into
// the parent object, as Go's \`json:",inline"\`).
export type ProtoField = readonly [name: string, type: string, flags?: string];

/** apiVersion/kind → root message. */
export const protoKinds: Record<string, string> = {
${kinds.join("\n")}
};

export const protoMessages: Record<string, Record<number, ProtoField>> = {
${[...table.keys()].sort().map((k) => table.get(k)).join("\n")}
};
`;
return { source, notes: [...new Set(notes)].sort(), messages: table.size };
}
