// Decodes Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf)
// into the JSON shape the rest of the API server handles. The envelope is the magic
// "k8s\0" and a runtime.Unknown {typeMeta{apiVersion=1, kind=2}=1, raw=2,
// contentEncoding=3, contentType=4}; raw is the object's own message, described by the
// generated table. Zero scalars are left out exactly where Go's JSON would omit them.
import { protoKinds, protoMessages } from "./kube-proto-schema.generated.ts";
import { decodeUtf8, readFields, readPackedVarints, WireError, type WireField } from "./wire.ts";

export { KUBE_PROTOBUF_CONTENT_TYPE } from "./content-type.ts";

/** "malformed" → 400 Bad Request; "unsupported" (a kind or encoding skiff does not decode) → 415. */
export class KubeProtobufError extends Error {
  constructor(
    message: string,
    readonly reason: "malformed" | "unsupported",
  ) {
    super(message);
  }
}

export type DecodedObject = { apiVersion: string; kind: string; object: Record<string, unknown> };

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
const MAX_DEPTH = 100;

export function decodeKubeProtobuf(bytes: Uint8Array): DecodedObject {
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new KubeProtobufError('the request body is not Kubernetes protobuf: it does not start with "k8s\\0"', "malformed");
  }
  try {
    const envelope = readFields(bytes.subarray(MAGIC.length));
    let apiVersion = "";
    let kind = "";
    let raw: Uint8Array = new Uint8Array();
    let contentEncoding = "";
    for (const f of envelope) {
      if (f.field === 1) {
        for (const t of readFields(lengthDelimited(f, "runtime.Unknown", "typeMeta"))) {
          if (t.field === 1) apiVersion = decodeUtf8(lengthDelimited(t, "runtime.TypeMeta", "apiVersion"));
          if (t.field === 2) kind = decodeUtf8(lengthDelimited(t, "runtime.TypeMeta", "kind"));
        }
      } else if (f.field === 2) raw = lengthDelimited(f, "runtime.Unknown", "raw");
      else if (f.field === 3) contentEncoding = decodeUtf8(lengthDelimited(f, "runtime.Unknown", "contentEncoding"));
    }
    if (contentEncoding !== "") throw new KubeProtobufError(`protobuf content encoding "${contentEncoding}" is not supported`, "unsupported");
    if (kind === "") throw new KubeProtobufError("the protobuf envelope names no kind", "malformed");
    const root = rootMessage(apiVersion, kind);
    if (!root) throw new KubeProtobufError(`protobuf bodies of kind ${kind} (apiVersion "${apiVersion}") are not supported; send JSON`, "unsupported");
    return { apiVersion, kind, object: { kind, apiVersion, ...decodeMessage(raw, root, 0) } };
  } catch (e) {
    if (e instanceof WireError) throw new KubeProtobufError(`the protobuf request body is malformed: ${e.message}`, "malformed");
    throw e;
  }
}

// DeleteOptions is registered in every group version, so a DELETE may name any of them.
function rootMessage(apiVersion: string, kind: string): string | undefined {
  if (kind === "DeleteOptions") return protoKinds["meta.k8s.io/v1/DeleteOptions"];
  return protoKinds[`${apiVersion}/${kind}`];
}

/** Decodes one message of the table into its JSON object. */
export function decodeMessage(bytes: Uint8Array, message: string, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new WireError(`messages nested deeper than ${MAX_DEPTH} levels`);
  const schema = protoMessages[message];
  if (!schema) throw new WireError(`no schema for message ${message}`);
  const out: Record<string, unknown> = {};
  // Protobuf merges repeated occurrences of a singular message field: decode their concatenation.
  const singularMessages = new Map<number, Uint8Array[]>();
  for (const f of readFields(bytes)) {
    const spec = schema[f.field];
    if (!spec) continue; // a field newer than this table: Go's decoder skips it too
    const [name, type, flags = ""] = spec;
    if (flags.includes("m")) {
      const map = (out[name] ??= {}) as Record<string, unknown>;
      const [key, value] = decodeMapEntry(lengthDelimited(f, message, name), type, message, name, depth);
      map[key] = value;
    } else if (flags.includes("r")) {
      const list = (out[name] ??= []) as unknown[];
      if (isMessage(type)) list.push(decodeValue(lengthDelimited(f, message, name), type, depth));
      else list.push(...decodeRepeatedScalar(f, type, message, name));
    } else if (isMessage(type)) {
      const chunks = singularMessages.get(f.field) ?? [];
      chunks.push(lengthDelimited(f, message, name));
      singularMessages.set(f.field, chunks);
    } else {
      const value = decodeScalar(f, type, message, name);
      // Go's JSON omits a zero non-pointer field unless it is required (flag z).
      if (flags.includes("z") || !isZero(value)) out[name] = value;
      else delete out[name];
    }
  }
  for (const [field, chunks] of singularMessages) {
    const [name, type, flags = ""] = schema[field]!;
    const value = decodeValue(chunks.length === 1 ? chunks[0]! : concat(chunks), type, depth);
    if (flags.includes("i")) Object.assign(out, value);
    else out[name] = value;
  }
  return out;
}

const isMessage = (type: string) => type.includes(".");
const isZero = (v: unknown) => v === "" || v === 0 || v === false;

/** A message value: the few types with their own JSON form, or an object of fields. */
function decodeValue(bytes: Uint8Array, type: string, depth: number): unknown {
  switch (type) {
    case "meta/v1.Time":
      return formatTime(bytes, false);
    case "meta/v1.MicroTime":
      return formatTime(bytes, true);
    case "resource.Quantity": {
      // Quantity { string = 1 }; an empty one is Go's zero Quantity, printed "0".
      const s = stringField(bytes, 1);
      return s === "" ? "0" : s;
    }
    case "intstr.IntOrString": {
      // IntOrString { type = 1 (0 int, 1 string), intVal = 2, strVal = 3 }
      let kind = 0n;
      let intVal = 0;
      let strVal = "";
      for (const f of readFields(bytes)) {
        if (f.field === 1) kind = varint(f, type, "type");
        if (f.field === 2) intVal = Number(BigInt.asIntN(32, varint(f, type, "intVal")));
        if (f.field === 3) strVal = decodeUtf8(lengthDelimited(f, type, "strVal"));
      }
      return kind === 1n ? strVal : intVal;
    }
    case "meta/v1.FieldsV1": {
      // FieldsV1 { Raw = 1 } holds the JSON text of the field set.
      const raw = bytesField(bytes, 1);
      if (raw.length === 0) return null;
      try {
        return JSON.parse(decodeUtf8(raw));
      } catch (e) {
        throw new WireError(`managedFields fieldsV1 is not JSON: ${(e as Error).message}`);
      }
    }
    case "runtime.RawExtension": {
      // RawExtension { raw = 1 } holds an embedded object as JSON (ControllerRevision.data).
      const raw = bytesField(bytes, 1);
      if (raw.length === 0) return null;
      try {
        return JSON.parse(decodeUtf8(raw));
      } catch (e) {
        throw new WireError(`an embedded object (RawExtension) is not JSON: ${(e as Error).message}`);
      }
    }
    default:
      return decodeMessage(bytes, type, depth + 1);
  }
}

function decodeMapEntry(bytes: Uint8Array, type: string, message: string, name: string, depth: number): [string, unknown] {
  let key = "";
  let value: unknown;
  for (const f of readFields(bytes)) {
    if (f.field === 1) key = decodeUtf8(lengthDelimited(f, message, `${name} key`));
    if (f.field === 2) value = isMessage(type) ? decodeValue(lengthDelimited(f, message, name), type, depth) : decodeScalar(f, type, message, name);
  }
  if (value === undefined) value = isMessage(type) ? decodeValue(new Uint8Array(), type, depth) : zeroOf(type);
  return [key, value];
}

function zeroOf(type: string): unknown {
  if (type === "string" || type === "bytes") return "";
  if (type === "bool") return false;
  return 0;
}

/** proto2 repeated numbers may arrive one per field or packed into one length-delimited field. */
function decodeRepeatedScalar(f: WireField, type: string, message: string, name: string): unknown[] {
  if (f.wire === 2 && type !== "string" && type !== "bytes") {
    if (type === "double" || type === "float" || type.includes("fixed")) {
      const size = type === "double" || type.includes("64") ? 8 : 4;
      if (f.bytes.length % size !== 0) throw new WireError(`packed ${message}.${name} has ${f.bytes.length} bytes, not a multiple of ${size}`);
      const out: unknown[] = [];
      for (let i = 0; i < f.bytes.length; i += size) out.push(decodeScalar({ field: f.field, wire: size === 8 ? 1 : 5, bytes: f.bytes.subarray(i, i + size), value: 0n } as WireField, type, message, name));
      return out;
    }
    return readPackedVarints(f.bytes).map((value) => decodeScalar({ field: f.field, wire: 0, value }, type, message, name));
  }
  return [decodeScalar(f, type, message, name)];
}

function decodeScalar(f: WireField, type: string, message: string, name: string): string | number | boolean {
  switch (type) {
    case "string":
      return decodeUtf8(lengthDelimited(f, message, name));
    case "bytes":
      return Buffer.from(lengthDelimited(f, message, name)).toString("base64");
    case "bool":
      return varint(f, message, name) !== 0n;
    case "int32":
      return Number(BigInt.asIntN(32, varint(f, message, name)));
    case "int64":
      return Number(BigInt.asIntN(64, varint(f, message, name)));
    case "uint32":
      return Number(BigInt.asUintN(32, varint(f, message, name)));
    case "uint64":
      return Number(varint(f, message, name));
    case "sint32":
    case "sint64": {
      const v = varint(f, message, name);
      return Number((v >> 1n) ^ -(v & 1n));
    }
    case "double":
      return fixed(f, 1, message, name).getFloat64(0, true);
    case "float":
      return fixed(f, 5, message, name).getFloat32(0, true);
    case "fixed32":
      return fixed(f, 5, message, name).getUint32(0, true);
    case "sfixed32":
      return fixed(f, 5, message, name).getInt32(0, true);
    case "fixed64":
      return Number(fixed(f, 1, message, name).getBigUint64(0, true));
    case "sfixed64":
      return Number(fixed(f, 1, message, name).getBigInt64(0, true));
    default:
      throw new WireError(`unknown scalar type ${type} for ${message}.${name}`);
  }
}

function wireName(wire: number): string {
  return ["varint", "fixed64", "length-delimited", "", "", "fixed32"][wire] ?? `wire type ${wire}`;
}

function lengthDelimited(f: WireField, message: string, name: string): Uint8Array {
  if (f.wire !== 2) throw new WireError(`${message}.${name} (field ${f.field}) arrived as ${wireName(f.wire)}, expected length-delimited`);
  return f.bytes;
}

function varint(f: WireField, message: string, name: string): bigint {
  if (f.wire !== 0) throw new WireError(`${message}.${name} (field ${f.field}) arrived as ${wireName(f.wire)}, expected varint`);
  return f.value;
}

function fixed(f: WireField, wire: 1 | 5, message: string, name: string): DataView {
  if (f.wire !== wire) throw new WireError(`${message}.${name} (field ${f.field}) arrived as ${wireName(f.wire)}, expected ${wireName(wire)}`);
  return new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
}

function stringField(bytes: Uint8Array, field: number): string {
  let s = "";
  for (const f of readFields(bytes)) if (f.field === field) s = decodeUtf8(lengthDelimited(f, "message", `field ${field}`));
  return s;
}

function bytesField(bytes: Uint8Array, field: number): Uint8Array {
  let b: Uint8Array = new Uint8Array();
  for (const f of readFields(bytes)) if (f.field === field) b = lengthDelimited(f, "message", `field ${field}`);
  return b;
}

/**
 * Time and MicroTime are Timestamp { seconds = 1, nanos = 2 }. An empty message is Go's
 * zero time, which JSON prints as null. Time keeps whole seconds (Go's Time.Unmarshal
 * drops nanos; JSON is RFC 3339); MicroTime prints microseconds.
 */
function formatTime(bytes: Uint8Array, micro: boolean): string | null {
  if (bytes.length === 0) return null;
  let seconds = 0n;
  let nanos = 0;
  for (const f of readFields(bytes)) {
    if (f.field === 1) seconds = BigInt.asIntN(64, varint(f, "Timestamp", "seconds"));
    if (f.field === 2) nanos = Number(BigInt.asIntN(32, varint(f, "Timestamp", "nanos")));
  }
  const ms = Number(seconds) * 1000;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) {
    throw new WireError(`timestamp ${seconds}s is outside the years 0000-9999`);
  }
  const whole = date.toISOString().slice(0, 19);
  if (!micro) return `${whole}Z`;
  if (nanos < 0 || nanos > 999_999_999) throw new WireError(`timestamp nanos ${nanos} out of range`);
  return `${whole}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
