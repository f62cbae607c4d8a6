import { test, expect, describe } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { marshalYaml } from "../../../src/charts/yaml/go-yaml-emitter.ts";
import { parseYaml } from "../../../src/charts/yaml/parse-yaml.ts";
import { compareYamlKeys } from "../../../src/charts/yaml/go-yaml-key-order.ts";
import { formatYamlNumber, needsQuoting } from "../../../src/charts/yaml/go-yaml-scalar.ts";

const fx = join(import.meta.dir, "../../fixtures/helm/toyaml");
const toYaml = (v: unknown) => marshalYaml(v).replace(/\n$/, "");

describe("toYaml layout (sigs.k8s.io/yaml via yaml.v2)", () => {
  test("matches Helm's own toYaml output for a values file of edge cases", () => {
    const values = parseYaml(readFileSync(join(fx, "values.yaml"), "utf8"));
    const helm = readFileSync(join(fx, "helm-output.txt"), "utf8");
    const body = helm.replace("---\n# Source: c/templates/a.yaml\n", "");
    expect(toYaml(values) + "\n").toBe(body);
  });

  const cases: [string, unknown, string][] = [
    ["empty map", {}, "{}"],
    ["empty list", [], "[]"],
    ["nested list in list", [[1, 2], []], "- - 1\n  - 2\n- []"],
    ["map in list", [{ a: 1, b: "x" }], "- a: 1\n  b: x"],
    ["list under key is not indented", { k: ["a", "b"] }, "k:\n- a\n- b"],
    ["null", { a: null }, "a: null"],
    ["bools", { t: true, f: false }, "f: false\nt: true"],
    ["bigint", { v: 42n }, "v: 42"],
    ["float integral", { v: 3 }, "v: 3"],
    ["float fraction", { v: 0.25 }, "v: 0.25"],
    ["float large", { v: 1234567.5 }, "v: 1.2345675e+06"],
    ["YAML 1.1 boolean words are quoted as keys too", { n: 1, y: 2 }, "\"n\": 1\n\"y\": 2"],
    ["string looking like a number", { s: "10" }, 's: "10"'],
    ["string with colon-space", { s: "a: b" }, "s: 'a: b'"],
    ["single quote doubled", { s: "'x" }, "s: '''x'"],
    ["literal with trailing newline", { s: "a\nb\n" }, "s: |\n  a\n  b"],
    ["literal keep", { s: "a\n\n" }, "s: |+\n  a\n"],
    ["tab forces double quotes", { s: "a\tb" }, 's: "a\\tb"'],
  ];
  for (const [name, v, want] of cases) test(name, () => expect(toYaml(v)).toBe(want));

  test("long plain strings fold at 80 columns", () => {
    const s = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    const out = toYaml({ k: s });
    expect(out.split("\n").length).toBe(2);
    expect(out.split("\n")[1]!.startsWith("  ")).toBe(true);
    expect(out.replace(/\n\s+/g, " ")).toBe(`k: ${s}`);
  });
});

describe("yaml.v2 key order", () => {
  test("letters after non-letters, digit runs numerically", () => {
    const keys = ["b", "a10", "a9", "_x", "B", "a-b", "ab"];
    expect(keys.sort(compareYamlKeys)).toEqual(["_x", "B", "a-b", "a9", "a10", "ab", "b"]);
  });
});

describe("scalar resolution", () => {
  const quoted = ["", "true", "Yes", "off", "~", "null", "12", "0x1F", "1e3", ".5", "+1", "1_000", "2020-01-01", "1:30", "<<"];
  const plain = ["hello", "e20", "1.2.3", "v1", "yesno", "+Inf", "0b2"];
  for (const s of quoted) test(`quotes ${JSON.stringify(s)}`, () => expect(needsQuoting(s)).toBe(true));
  for (const s of plain) test(`keeps ${JSON.stringify(s)} plain`, () => expect(needsQuoting(s)).toBe(false));
  test("number formatting after the JSON round trip", () => {
    expect(formatYamlNumber(1e20)).toBe("1e+20");
    expect(formatYamlNumber(1e19)).toBe("10000000000000000000");
    expect(formatYamlNumber(0.00001)).toBe("1e-05");
    expect(formatYamlNumber(-7)).toBe("-7");
  });
});

describe("reading YAML like Helm", () => {
  test("YAML 1.1 booleans, numbers as float64, timestamps as strings", () => {
    expect(parseYaml("a: yes\nb: off\nc: 10\nd: 2020-01-01\ne: 0777\nf: e20")).toEqual({ a: true, b: false, c: 10, d: "2020-01-01", e: 511, f: "e20" });
  });
  test("merge keys", () => {
    expect(parseYaml("base: &b {x: 1}\nm:\n  <<: *b\n  z: 2\n  y: 3")).toEqual({ base: { x: 1 }, m: { x: 1, z: 2, true: 3 } });
  });
});
