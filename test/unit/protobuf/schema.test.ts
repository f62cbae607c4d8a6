// The generated field table against its sources: the descriptors compiled into a real
// kubectl binary, and field numbers transcribed from upstream generated.proto files.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDescriptors, shortName, type MessageDesc } from "../../../src/api/protobuf/descriptors.ts";
import { protoKinds, protoMessages } from "../../../src/api/protobuf/kube-proto-schema.generated.ts";
import { layerBinary } from "../../support/kubectl.ts";
import { allKinds } from "../../../src/api/kinds/index.ts";
import { apiVersionOf } from "../../../src/api/kinds/kind.ts";

/** Types the decoder renders itself instead of as an object of fields. */
const rendered = new Set(["meta/v1.Time", "meta/v1.MicroTime", "meta/v1.FieldsV1", "resource.Quantity", "intstr.IntOrString", "runtime.RawExtension"]);
const scalars = new Set(["string", "bool", "bytes", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "double", "float", "fixed32", "fixed64", "sfixed32", "sfixed64"]);

describe("table consistency", () => {
  test("every kind has a root message and every referenced type is known", () => {
    for (const k of allKinds) expect(protoKinds[`${apiVersionOf(k)}/${k.kind}`]).toBeDefined();
    for (const root of Object.values(protoKinds)) expect(protoMessages[root]).toBeDefined();
    for (const [message, fields] of Object.entries(protoMessages)) {
      for (const [name, type, flags = ""] of Object.values(fields)) {
        expect(name).toMatch(/^[a-zA-Z][a-zA-Z0-9]*$/);
        expect(flags).toMatch(/^[rmzi]*$/);
        const known = scalars.has(type) || rendered.has(type) || protoMessages[type] !== undefined;
        if (!known) throw new Error(`${message}.${name} refers to unknown type ${type}`);
      }
    }
  });
});

// kubectl 1.32, which the table was generated from, when installed; and always the 1.33
// binary shipped in an npm package: field numbers never change, so a newer kubectl must agree.
const kubectl132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";
const binaries = [...(existsSync(kubectl132) ? [kubectl132] : []), layerBinary("kubectl/kubectl")];

describe("table against kubectl's embedded descriptors", () => {
  for (const binary of binaries) {
    test(`every field number, name and type matches ${binary}`, () => {
      const byShort = new Map<string, MessageDesc>();
      for (const m of loadDescriptors(new Uint8Array(readFileSync(binary))).values()) byShort.set(shortName(m.fullName), m);
      expect(byShort.size).toBeGreaterThan(1000);
      let checked = 0;
      for (const [message, fields] of Object.entries(protoMessages)) {
        const desc = byShort.get(message);
        if (!desc) throw new Error(`${binary} has no message ${message}`);
        for (const [number, [name, type, flags = ""]] of Object.entries(fields)) {
          const f = desc.fields.find((x) => x.number === Number(number));
          if (!f) throw new Error(`${message} field ${number} (${name}) is not in ${binary}`);
          // The table holds JSON names: a Go field like APIGroup is aPIGroup in protobuf, apiGroup in JSON.
          expect(`${message}.${f.name.toLowerCase()}`).toBe(`${message}.${name.toLowerCase()}`);
          expect(f.label === 3).toBe(flags.includes("r") || flags.includes("m"));
          if (f.typeName && !flags.includes("m")) expect(shortName(f.typeName)).toBe(type);
          checked++;
        }
        // The table generated from 1.32 must hold every field 1.32 has.
        if (binary === kubectl132) expect(`${message}: ${Object.keys(fields).length}`).toBe(`${message}: ${desc.fields.length}`);
      }
      expect(checked).toBeGreaterThan(800);
    });
  }
});

describe("table against upstream generated.proto", () => {
  const lines = readFileSync(join(import.meta.dir, "../../fixtures/protobuf/upstream-field-numbers.txt"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));

  test(`${lines.length} transcribed field numbers agree`, () => {
    expect(lines.length).toBeGreaterThan(80);
    for (const line of lines) {
      const [message, name, number] = line.split(" ");
      expect(`${line} → ${protoMessages[message!]?.[Number(number)]?.[0]}`).toBe(`${line} → ${name}`);
    }
  });
});
