// RFC 7386 Appendix A, plus the bodies of kubectl label/annotate/scale.
import { describe, expect, test } from "bun:test";
import { applyMergePatch, PatchError } from "../../../src/api/patch/index.ts";

type Row = [name: string, original: Record<string, unknown>, patch: unknown, expected: Record<string, unknown>];

// Appendix A rows whose target or patch is not an object are wrapped in a field, since
// a Kubernetes object always stays an object.
const rfc7386: Row[] = [
  ["replace a member", { a: "b" }, { a: "c" }, { a: "c" }],
  ["add a member", { a: "b" }, { b: "c" }, { a: "b", b: "c" }],
  ["null removes the only member", { a: "b" }, { a: null }, {}],
  ["null removes one member", { a: "b", b: "c" }, { a: null }, { b: "c" }],
  ["scalar replaces a list", { a: ["b"] }, { a: "c" }, { a: "c" }],
  ["list replaces a scalar", { a: "c" }, { a: ["b"] }, { a: ["b"] }],
  ["nested merge with removal", { a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
  ["lists are replaced, not merged", { a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
  ["list replaced by list", { x: ["a", "b"] }, { x: ["c", "d"] }, { x: ["c", "d"] }],
  ["object replaced by list", { x: { a: "b" } }, { x: ["c"] }, { x: ["c"] }],
  ["null in the patch removes the field", { x: { a: "foo" } }, { x: null }, {}],
  ["string replaces an object", { x: { a: "foo" } }, { x: "bar" }, { x: "bar" }],
  ["existing null stays", { e: null }, { a: 1 }, { e: null, a: 1 }],
  ["object replaces a list, nulls dropped", { x: [1, 2] }, { x: { a: "b", c: null } }, { x: { a: "b" } }],
  ["nested nulls in new members are dropped", {}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe("RFC 7386 appendix A", () => {
  for (const [name, original, patch, expected] of rfc7386) {
    test(name, () => {
      const before = structuredClone(original);
      expect(applyMergePatch(original, patch)).toEqual(expected);
      expect(original).toEqual(before); // inputs are never mutated
    });
  }
});

describe("kubectl merge patches", () => {
  const deployment = { metadata: { name: "web", labels: { app: "web" } }, spec: { replicas: 1, template: { spec: { containers: [{ name: "web" }] } } } };

  test("kubectl label adds a label", () => {
    expect(applyMergePatch(deployment, { metadata: { labels: { tier: "fe" } } }).metadata).toEqual({ name: "web", labels: { app: "web", tier: "fe" } });
  });

  test("kubectl label tier- removes it", () => {
    const labelled = applyMergePatch(deployment, { metadata: { labels: { tier: "fe" } } });
    expect(applyMergePatch(labelled, { metadata: { labels: { tier: null } } }).metadata).toEqual({ name: "web", labels: { app: "web" } });
  });

  test("kubectl scale sets replicas and keeps the rest of spec", () => {
    const scaled = applyMergePatch(deployment, { spec: { replicas: 3 } });
    expect(scaled.spec).toEqual({ replicas: 3, template: { spec: { containers: [{ name: "web" }] } } });
  });

  test("a patch that is not an object is a 400", () => {
    for (const bad of [["c"], null, "bar", 3]) {
      let err: unknown;
      try {
        applyMergePatch(deployment, bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PatchError);
      expect((err as PatchError).code).toBe(400);
    }
  });
});
