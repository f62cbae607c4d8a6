// OpenAPI documents derived from the served kinds: /openapi/v3 (one document per group
// version, with components.schemas for every kind and the types it refers to, and one PATCH
// operation per kind carrying the fieldValidation parameter, which tells kubectl the server
// validates fields itself) and /openapi/v2 (JSON with definitions; the protobuf answer
// stays without them: kubectl validates the items of a `kind: List` against the protobuf
// document and skips the kinds it does not define).
// Built-in kinds take their field types from the generated field table and their
// descriptions from the generated docs; custom kinds take their CRD's structural schema.
// Documents are built on first request and kept until the served kinds change.
import type { KindDef } from "../kinds/kind.ts";
import { objectTypes } from "../validation/schema/kube-schema.generated.ts";
import { packedTypeDocs } from "./openapi-docs.generated.ts";
import type { TypeDoc } from "./openapi-docs-source.ts";
import type { Schema as PatchSchema } from "../patch/schema.ts";

type Schema = Record<string, unknown>;
const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);
const INFO = { title: "Kubernetes", version: "v1.32.0" };

let docs: Record<string, TypeDoc> | undefined;
function typeDocs(): Record<string, TypeDoc> {
  docs ??= JSON.parse(new TextDecoder().decode(Bun.gunzipSync(Buffer.from(packedTypeDocs, "base64"))));
  return docs!;
}

/** Upstream's schema names: "core/v1.Pod" → "io.k8s.api.core.v1.Pod". */
export function componentName(typeKey: string): string {
  const dot = typeKey.lastIndexOf(".");
  const [group, version] = typeKey.slice(0, dot).split("/") as [string, string];
  const name = typeKey.slice(dot + 1);
  if (group === "meta") return `io.k8s.apimachinery.pkg.apis.meta.${version}.${name}`;
  if (group === "apiextensions") return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.${name}`;
  return `io.k8s.api.${group}.${version}.${name}`;
}

/** A custom kind's schema name, as upstream builds it: the group reversed ("com.example.v1.Widget"). */
const customName = (k: KindDef) => `${k.group.split(".").reverse().join(".")}.${k.version}.${k.kind}`;

type Flavour = { ref: (name: string) => string; v3: boolean };
const V3: Flavour = { ref: (n) => `#/components/schemas/${n}`, v3: true };
const V2: Flavour = { ref: (n) => `#/definitions/${n}`, v3: false };

/** The types a document refers to, with the patch semantics they were reached with. */
type Closure = { seen: Set<string>; patch: Map<string, PatchSchema> };

function refTo(typeKey: string, f: Flavour, description: string | undefined, c: Closure, patch?: PatchSchema): Schema {
  c.seen.add(typeKey);
  if (patch && !c.patch.has(typeKey)) c.patch.set(typeKey, patch);
  const ref = f.ref(componentName(typeKey));
  const desc = description ? { description } : {};
  // Upstream's v3 documents wrap a described reference in allOf; v2 puts $ref beside the description.
  return f.v3 ? { ...desc, default: {}, allOf: [{ $ref: ref }] } : { ...desc, $ref: ref };
}

/** Upstream's extensions for how a field merges (strategic merge patch and server-side apply). */
function patchExtensions(p: PatchSchema | undefined): Schema {
  if (!p) return {};
  const ext: Schema = {};
  if (p.patchStrategy) ext["x-kubernetes-patch-strategy"] = p.patchStrategy;
  if (p.patchMergeKey) ext["x-kubernetes-patch-merge-key"] = p.patchMergeKey;
  if (p.listType) ext["x-kubernetes-list-type"] = p.listType;
  if (p.listMapKeys?.length) ext["x-kubernetes-list-map-keys"] = p.listMapKeys.map((k) => k.name);
  if (p.atomic) ext["x-kubernetes-map-type"] = "atomic";
  return ext;
}

function fieldSchema(code: string, f: Flavour, description: string | undefined, c: Closure, patch?: PatchSchema): Schema {
  return { ...valueSchema(code, f, description, c, patch), ...patchExtensions(patch) };
}

function valueSchema(code: string, f: Flavour, description: string | undefined, c: Closure, patch: PatchSchema | undefined): Schema {
  const desc = description ? { description } : {};
  switch (code) {
    case "string":
      return { ...desc, type: "string" };
    case "int32":
    case "int64":
      return { ...desc, type: "integer", format: code };
    case "number":
      return { ...desc, type: "number", format: "double" };
    case "boolean":
      return { ...desc, type: "boolean" };
    case "int-or-string":
      return { ...desc, type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true };
    case "any":
      return { ...desc, type: "object" };
  }
  if (code.startsWith("[]")) return { ...desc, type: "array", items: valueSchema(code.slice(2), f, undefined, c, patch?.items) };
  if (code.startsWith("{}")) return { ...desc, type: "object", additionalProperties: valueSchema(code.slice(2), f, undefined, c, patch?.values) };
  if (code.startsWith("#")) return refTo(code.slice(1), f, description, c, patch);
  return desc;
}

function typeSchema(typeKey: string, f: Flavour, c: Closure, patch?: PatchSchema): Schema {
  const fields = objectTypes[typeKey] ?? {};
  const [description, required, fieldDocs] = typeDocs()[typeKey] ?? ["", [], {}];
  const properties: Record<string, Schema> = {};
  for (const [name, code] of Object.entries(fields)) properties[name] = fieldSchema(code, f, fieldDocs[name], c, patch?.fields?.[name]);
  const req = required.filter((r) => Object.hasOwn(fields, r));
  return { ...(description ? { description } : {}), type: "object", properties, ...(req.length ? { required: req } : {}) };
}

/** The type key of a kind as served in its own version ("autoscaling/v1.HorizontalPodAutoscaler" beside the stored v2). */
function kindTypeKey(k: KindDef): string | undefined {
  const stored = k.schema.validation;
  if (Object.hasOwn(objectTypes, stored) && stored.startsWith(`${k.group ? k.group.split(".")[0] : "core"}/${k.version}.`)) return stored;
  const own = `${k.group ? k.group.split(".")[0] : "core"}/${k.version}.${k.kind}`;
  return Object.hasOwn(objectTypes, own) ? own : undefined;
}

/** A schema given as a whole (a CRD's), with apiVersion, kind and metadata as upstream adds them. */
function wholeSchema(given: Schema | undefined, f: Flavour, c: Closure): Schema {
  const schema = structuredClone(given ?? { type: "object" }) as Schema;
  const properties = { ...((schema.properties as Record<string, Schema> | undefined) ?? {}) };
  const meta = typeDocs()["meta/v1.ObjectMeta"];
  const typeMeta = typeDocs()["apps/v1.Deployment"]?.[2] ?? {};
  properties.apiVersion = { description: typeMeta.apiVersion, type: "string" };
  properties.kind = { description: typeMeta.kind, type: "string" };
  properties.metadata = refTo("meta/v1.ObjectMeta", f, meta ? typeMeta.metadata : undefined, c);
  return { ...schema, type: "object", properties };
}

function kindSchema(k: KindDef, f: Flavour, c: Closure): [string, Schema] {
  const gvk = { "x-kubernetes-group-version-kind": [{ group: k.group, version: k.version, kind: k.kind }] };
  if (k.custom) return [customName(k), { ...wholeSchema(k.custom.schemas[k.version], f, c), ...gvk }];
  const key = kindTypeKey(k);
  if (!key && k.openapiSchema) return [componentName(`${k.group.split(".")[0]}/${k.version}.${k.kind}`), { ...wholeSchema(k.openapiSchema, f, c), ...gvk }];
  if (!key) return [componentName(`${k.group ? k.group.split(".")[0] : "core"}/${k.version}.${k.kind}`), { type: "object", ...gvk }];
  return [componentName(key), { ...typeSchema(key, f, c, k.schema.patch), ...gvk }];
}

/** Every schema the kinds need: theirs, and the closure of the types they refer to. */
function schemasOf(kinds: KindDef[], f: Flavour): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const c: Closure = { seen: new Set(), patch: new Map() };
  for (const k of kinds) {
    const [name, schema] = kindSchema(k, f, c);
    out[name] = schema;
  }
  const done = new Set<string>();
  for (;;) {
    const next = [...c.seen].find((t) => !done.has(t));
    if (!next) break;
    done.add(next);
    const name = componentName(next);
    if (!out[name]) out[name] = typeSchema(next, f, c, c.patch.get(next));
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function hashOf(kinds: KindDef[]): string {
  const text = kinds.map((k) => `${k.kind}:${k.custom ? JSON.stringify(k.custom.schemas[k.version]) : k.schema.validation}`).join(",");
  return new Bun.CryptoHasher("sha256").update(text).digest("hex").slice(0, 32).toUpperCase();
}

/** Documents built for one list of served kinds; a new list (a CRD came or went) gets a new cache. */
export class OpenApiDocuments {
  /** Kept as JSON text: far smaller than the objects it is made from. */
  private readonly groupVersions = new Map<string, string | null>();
  private v2: string | undefined;

  constructor(private readonly kinds: KindDef[]) {}

  root() {
    const byGv = new Map<string, KindDef[]>();
    for (const k of this.kinds) {
      const p = gvPath(k.group, k.version);
      byGv.set(p, [...(byGv.get(p) ?? []), k]);
    }
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [p, list] of byGv) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(list)}` };
    return { paths };
  }

  /** The v3 document of a group version as JSON text, or undefined when no kind is served there. */
  groupVersion(group: string, version: string): string | undefined {
    const key = `${group}/${version}`;
    if (!this.groupVersions.has(key)) {
      const doc = buildGroupVersion(this.kinds, group, version);
      this.groupVersions.set(key, doc ? JSON.stringify(doc) : null);
      releaseBuildGarbage();
    }
    return this.groupVersions.get(key) ?? undefined;
  }

  /** The v2 document as JSON text (it is large: serialized once). */
  v2Json(): string {
    if (this.v2 === undefined) {
      this.v2 = JSON.stringify({ swagger: "2.0", info: INFO, paths: {}, definitions: schemasOf(this.kinds, V2) });
      releaseBuildGarbage();
    }
    return this.v2;
  }
}

/**
 * Building a document makes megabytes of short-lived objects for a text of a few hundred
 * kilobytes; a full collection right away hands that memory back instead of keeping the
 * heap at its high-water mark (documents are built once per set of served kinds).
 */
function releaseBuildGarbage() {
  docs = undefined;
  Bun.gc(true);
}

function buildGroupVersion(kinds: KindDef[], group: string, version: string): Schema | undefined {
  const list = kinds.filter((k) => k.group === group && k.version === version);
  if (!list.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const k of list) {
    const base = `/${gvPath(group, version)}${k.namespaced ? "/namespaces/{namespace}" : ""}/${k.plural}/{name}`;
    paths[base] = {
      patch: {
        "x-kubernetes-group-version-kind": { group, version, kind: k.kind },
        parameters: [{ name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } }],
      },
    };
  }
  return { openapi: "3.0.0", info: INFO, paths, components: { schemas: schemasOf(list, V3) } };
}

/** The upstream server answers the protobuf v2 request this way: Go's mime parser rejects the "@" of the Accept value. */
export const OPENAPI_V2_PROTOBUF = "application/octet-stream";

/** The same document as gnostic's openapi_v2.Document protobuf, without definitions: swagger = 1, info = 2 (title = 1, version = 2). */
export function openapiV2Protobuf(): ArrayBuffer {
  const text = (field: number, value: string) => lengthDelimited(field, new TextEncoder().encode(value));
  const info = Buffer.concat([text(1, INFO.title), text(2, INFO.version)]);
  const doc = Buffer.concat([text(1, "2.0"), lengthDelimited(2, info)]);
  // A small Buffer may sit in a shared pool: hand out a copy of its own bytes only.
  return doc.buffer.slice(doc.byteOffset, doc.byteOffset + doc.byteLength) as ArrayBuffer;
}

function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  // Every value here is shorter than 128 bytes: the length fits in one varint byte.
  if (bytes.length > 127) throw new Error("openapi v2 field too long");
  return Buffer.concat([Uint8Array.of((field << 3) | 2, bytes.length), bytes]);
}
