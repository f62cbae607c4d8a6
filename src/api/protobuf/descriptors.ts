// Reads the protobuf FileDescriptorProtos that Go programs built with k8s.io/api embed
// (gogo-protobuf registers each generated.proto gzipped). Used to generate the schema
// table and, in tests, to check it against a kubectl binary.
import { inflateRawSync } from "node:zlib";
import { decodeUtf8, readFields, type WireField } from "./wire.ts";

export type FieldDesc = { name: string; number: number; label: number; type: number; typeName: string; nullable: boolean; goName: string };
export type MessageDesc = { fullName: string; fields: FieldDesc[]; mapEntry: boolean };

const str = (f: WireField) => (f.wire === 2 ? decodeUtf8(f.bytes) : "");
const num = (f: WireField) => (f.wire === 0 ? Number(f.value) : 0);

function parseField(bytes: Uint8Array): FieldDesc {
  const d: FieldDesc = { name: "", number: 0, label: 1, type: 0, typeName: "", nullable: true, goName: "" };
  for (const f of readFields(bytes)) {
    if (f.field === 1) d.name = str(f);
    else if (f.field === 3) d.number = num(f);
    else if (f.field === 4) d.label = num(f);
    else if (f.field === 5) d.type = num(f);
    else if (f.field === 6) d.typeName = str(f).replace(/^\./, "");
    else if (f.field === 8 && f.wire === 2) {
      for (const o of readFields(f.bytes)) {
        if (o.field === 65001) d.nullable = num(o) !== 0; // gogoproto.nullable
        if (o.field === 65004) d.goName = str(o); // gogoproto.customname
      }
    }
  }
  return d;
}

function parseMessage(bytes: Uint8Array, scope: string, out: Map<string, MessageDesc>): void {
  const fs = readFields(bytes);
  const name = fs.filter((f) => f.field === 1).map(str)[0] ?? "";
  const fullName = `${scope}.${name}`;
  const m: MessageDesc = { fullName, fields: [], mapEntry: false };
  for (const f of fs) {
    if (f.field === 2 && f.wire === 2) m.fields.push(parseField(f.bytes));
    if (f.field === 3 && f.wire === 2) parseMessage(f.bytes, fullName, out);
    if (f.field === 7 && f.wire === 2) m.mapEntry = readFields(f.bytes).some((o) => o.field === 7 && num(o) === 1);
  }
  out.set(fullName, m);
}

/** Every message of every k8s.io generated.proto embedded in `binary`, by full name (k8s.io.api.core.v1.Pod). */
export function loadDescriptors(binary: Uint8Array): Map<string, MessageDesc> {
  const messages = new Map<string, MessageDesc>();
  for (let i = binary.indexOf(0x1f); i >= 0; i = binary.indexOf(0x1f, i + 1)) {
    // gzip header written by Go: 1f 8b 08, no flags, 10 bytes in all.
    if (binary[i + 1] !== 0x8b || binary[i + 2] !== 0x08 || binary[i + 3] !== 0) continue;
    let raw: Uint8Array;
    try {
      raw = inflateRawSync(binary.subarray(i + 10, i + 10 + 400_000));
    } catch {
      continue;
    }
    let fields: WireField[];
    try {
      fields = readFields(raw);
    } catch {
      continue;
    }
    const file = fields.find((f) => f.field === 1);
    const pkg = fields.find((f) => f.field === 2);
    if (!file || !pkg || !/^k8s\.io\/.*generated\.proto$/.test(safeStr(file))) continue;
    for (const f of fields) if (f.field === 4 && f.wire === 2) parseMessage(f.bytes, str(pkg), messages);
  }
  return messages;
}

function safeStr(f: WireField): string {
  try {
    return str(f);
  } catch {
    return "";
  }
}

/** k8s.io.api.core.v1 → core/v1, k8s.io.apimachinery.pkg.apis.meta.v1 → meta/v1, ….pkg.api.resource → resource. */
export function shortPackage(pkg: string): string {
  return pkg
    .replace(/^k8s\.io\.api\./, "")
    .replace(/^k8s\.io\.apimachinery\.pkg\.apis\./, "")
    .replace(/^k8s\.io\.apimachinery\.pkg\.(api\.|util\.)?/, "")
    .replace(/\.(v\w+)$/, "/$1");
}
/** The schema table's name for a message: k8s.io.api.core.v1.Pod → core/v1.Pod. */
export const shortName = (full: string) => `${shortPackage(full.slice(0, full.lastIndexOf(".")))}.${full.slice(full.lastIndexOf(".") + 1)}`;
