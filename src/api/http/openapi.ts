// The smallest OpenAPI v3 document set that tells kubectl the server validates fields
// itself: one PATCH operation per kind carrying the fieldValidation parameter. And an
// OpenAPI v2 document without definitions: kubectl still fetches v2 to validate the items
// of a `kind: List` on the client, and skips kinds the document does not define.
import type { KindDef } from "../kinds/kind.ts";

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

export function openapiRoot(kinds: KindDef[]) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const k of kinds) {
    const p = gvPath(k.group, k.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(kinds, k.group, k.version)}` };
  }
  return { paths };
}

export function openapiGroupVersion(kinds: KindDef[], group: string, version: string) {
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
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths };
}

function hashOf(kinds: KindDef[], group: string, version: string): string {
  const names = kinds.filter((k) => k.group === group && k.version === version).map((k) => k.kind).join(",");
  return new Bun.CryptoHasher("sha256").update(names).digest("hex").slice(0, 32).toUpperCase();
}

/** The upstream server answers the protobuf v2 request this way: Go's mime parser rejects the "@" of the Accept value. */
export const OPENAPI_V2_PROTOBUF = "application/octet-stream";
const V2_INFO = { title: "Kubernetes", version: "v1.32.0" };

export function openapiV2Json() {
  return { swagger: "2.0", info: V2_INFO, paths: {}, definitions: {} };
}

/** The same document as gnostic's openapi_v2.Document protobuf: swagger = 1, info = 2 (title = 1, version = 2). */
export function openapiV2Protobuf(): ArrayBuffer {
  const text = (field: number, value: string) => lengthDelimited(field, new TextEncoder().encode(value));
  const info = Buffer.concat([text(1, V2_INFO.title), text(2, V2_INFO.version)]);
  const doc = Buffer.concat([text(1, "2.0"), lengthDelimited(2, info)]);
  // A small Buffer may sit in a shared pool: hand out a copy of its own bytes only.
  return doc.buffer.slice(doc.byteOffset, doc.byteOffset + doc.byteLength) as ArrayBuffer;
}

function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  // Every value here is shorter than 128 bytes: the length fits in one varint byte.
  if (bytes.length > 127) throw new Error("openapi v2 field too long");
  return Buffer.concat([Uint8Array.of((field << 3) | 2, bytes.length), bytes]);
}
