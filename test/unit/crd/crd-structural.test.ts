// Pruning, defaulting and validation of values against a structural schema, and the
// printer-column JSONPath subset, in isolation.
import { describe, expect, test } from "bun:test";
import { applyDefaults, prune, structuralErrors, validateResource, validateValue, type JSONSchemaProps } from "../../../src/api/crd/structural.ts";
import { evaluate, parseJsonPath, printerColumns } from "../../../src/api/crd/printer-columns.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        labels: { type: "object", additionalProperties: { type: "string" } },
        items: { type: "array", items: { type: "object", properties: { name: { type: "string" }, weight: { type: "integer", default: 1 } } } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: { type: "object", properties: { a: { type: "string" } } } } },
        pod: { type: "object", "x-kubernetes-embedded-resource": true, properties: { spec: { type: "object", properties: { x: { type: "string" } } } } },
        nested: { type: "object", default: {}, properties: { level: { type: "string", default: "info" } } },
      },
    },
  },
};

describe("pruning", () => {
  test("drops what the schema does not specify, keeping maps, preserved subtrees and embedded object metadata", () => {
    const obj = {
      apiVersion: "x/v1",
      kind: "K",
      metadata: { name: "n", bogus: 1 },
      extra: true,
      spec: {
        labels: { a: "b" },
        items: [{ name: "i", other: 1 }],
        free: { anything: { goes: 1 }, known: { a: "x", b: "pruned inside a specified part" } },
        pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", junk: 1 }, spec: { x: "y", z: 1 }, status: {} },
      },
    };
    const found: string[] = [];
    prune(structuredClone(obj), schema, found, false);
    expect(found.sort()).toEqual([".extra", ".metadata.bogus", ".spec.free.known.b", ".spec.items[0].other", ".spec.pod.metadata.junk", ".spec.pod.spec.z", ".spec.pod.status"].sort());
    prune(obj, schema);
    expect(obj).toEqual({
      apiVersion: "x/v1",
      kind: "K",
      metadata: { name: "n" },
      spec: { labels: { a: "b" }, items: [{ name: "i" }], free: { anything: { goes: 1 }, known: { a: "x" } }, pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { x: "y" } } },
    } as never);
  });
});

describe("defaulting", () => {
  test("fills absent fields top-down, in list items and inside defaulted objects", () => {
    const obj: Record<string, any> = { spec: { items: [{ name: "a" }, { name: "b", weight: 5 }] } };
    applyDefaults(obj, schema);
    expect(obj.spec.items).toEqual([{ name: "a", weight: 1 }, { name: "b", weight: 5 }]);
    expect(obj.spec.nested).toEqual({ level: "info" });
  });
});

describe("validation", () => {
  test("map values, additionalProperties and nested paths", () => {
    expect(validateValue({ labels: { a: 1 } }, schema.properties!.spec!, "spec").map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.labels[a]: Invalid value: "integer": spec.labels[a] in body must be of type string: "integer"',
    ]);
  });
  test("exclusive bounds, multipleOf, min/max properties", () => {
    const s: JSONSchemaProps = { type: "object", minProperties: 2, properties: { n: { type: "number", minimum: 0, exclusiveMinimum: true, multipleOf: 0.5 } } };
    expect(validateValue({ n: 0 }, s, "spec").map((e) => e.message)).toEqual([
      "Invalid value: 1: spec in body should have at least 2 properties",
      "Invalid value: 0: spec.n in body should be greater than 0",
    ]);
    expect(validateValue({ n: 0.7, m: 1 }, s, "spec").map((e) => e.message)).toEqual(["Invalid value: 0.7: spec.n in body should be a multiple of 0.5"]);
  });
  test("a root schema's metadata.name pattern applies to the object's name", () => {
    const s: JSONSchemaProps = { type: "object", properties: { metadata: { type: "object", properties: { name: { type: "string", maxLength: 3 } } } } };
    expect(validateResource({ metadata: { name: "long" } }, s).map((e) => `${e.field}: ${e.message}`)).toEqual(["metadata.name: Too long: may not be more than 3 bytes"]);
  });
  test("formats", () => {
    const s = (format: string): JSONSchemaProps => ({ type: "string", format });
    expect(validateValue("2024-01-02T03:04:05Z", s("date-time"), "t")).toEqual([]);
    expect(validateValue("10.0.0.0/8", s("cidr"), "c")).toEqual([]);
    expect(validateValue("1m30s", s("duration"), "d")).toEqual([]);
    expect(validateValue("10.0.0.0/33", s("cidr"), "c")).toHaveLength(1);
    expect(validateValue("not-a-uuid", s("uuid"), "u")).toHaveLength(1);
    // Unknown formats are not checked, as upstream.
    expect(validateValue("anything", s("my-format"), "x")).toEqual([]);
  });
});

describe("structural schema checks", () => {
  test("types required below the root, int-or-string without a type, a default that breaks its schema", () => {
    const errs = structuralErrors(
      { type: "object", properties: { a: {}, b: { "x-kubernetes-int-or-string": true, type: "string" }, c: { type: "integer", default: "x" }, d: { "x-kubernetes-int-or-string": true } } },
      "s",
    ).map((e) => `${e.field}: ${e.message}`);
    expect(errs).toEqual([
      "s.properties[a].type: Required value: must not be empty for specified object fields",
      "s.properties[b].type: Forbidden: must be empty if x-kubernetes-int-or-string is true",
      's.properties[c].default: Invalid value: "string": s.properties[c].default in body must be of type integer: "string"',
    ]);
  });
  test("metadata may restrict only name and generateName", () => {
    expect(structuralErrors({ type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } }, "s").map((e) => e.field)).toEqual(["s.properties[metadata]"]);
  });
});

describe("printer columns", () => {
  const obj = { metadata: { name: "n", creationTimestamp: new Date(Date.now() - 90_000).toISOString() }, spec: { list: [{ k: "a", v: 1 }, { k: "b", v: 2 }], "dotted.key": "yes" }, status: { conditions: [{ type: "Ready", status: "False" }] } };
  test("the JSONPath subset", () => {
    expect(evaluate(parseJsonPath(".spec.list[1].v"), obj)).toEqual([2]);
    expect(evaluate(parseJsonPath(".spec.list[*].k"), obj)).toEqual(["a", "b"]);
    expect(evaluate(parseJsonPath("{.spec.list[-1].k}"), obj)).toEqual(["b"]);
    expect(evaluate(parseJsonPath(".spec['dotted.key']"), obj)).toEqual(["yes"]);
    expect(evaluate(parseJsonPath('.status.conditions[?(@.type=="Ready")].status'), obj)).toEqual(["False"]);
    expect(() => parseJsonPath("spec")).toThrow();
    expect(() => parseJsonPath(".spec[?(bad)]")).toThrow();
  });
  test("cells typed as upstream types them", () => {
    const cols = printerColumns([
      { name: "Keys", type: "string", jsonPath: ".spec.list[*].k" },
      { name: "V", type: "integer", jsonPath: ".spec.list[0].v" },
      { name: "Missing", type: "string", jsonPath: ".spec.none" },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
    expect(cols.map((c) => c.name)).toEqual(["Name", "Keys", "V", "Missing", "Age"]);
    expect(cols.map((c) => c.cell(obj, Date.now()))).toEqual(["n", "a b", 1, null, "90s"]);
  });
});
