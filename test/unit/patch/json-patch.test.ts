// RFC 6902 Appendix A, plus the body of kubectl rollout undo.
import { describe, expect, test } from "bun:test";
import { applyJsonPatch, PatchError } from "../../../src/api/patch/index.ts";

type Ok = [name: string, original: Record<string, unknown>, ops: unknown[], expected: Record<string, unknown>];
type Fails = [name: string, original: Record<string, unknown>, ops: unknown, code: 400 | 422];

const appendixA: Ok[] = [
  ["A.1 adding an object member", { foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }], { baz: "qux", foo: "bar" }],
  ["A.2 adding an array element", { foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }], { foo: ["bar", "qux", "baz"] }],
  ["A.3 removing an object member", { baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }],
  ["A.4 removing an array element", { foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }], { foo: ["bar", "baz"] }],
  ["A.5 replacing a value", { baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }], { baz: "boo", foo: "bar" }],
  [
    "A.6 moving a value",
    { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
    [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  ],
  ["A.7 moving an array element", { foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }], { foo: ["all", "cows", "eat", "grass"] }],
  [
    "A.8 testing a value: success",
    { baz: "qux", foo: ["a", 2, "c"] },
    [
      { op: "test", path: "/baz", value: "qux" },
      { op: "test", path: "/foo/1", value: 2 },
    ],
    { baz: "qux", foo: ["a", 2, "c"] },
  ],
  ["A.10 adding a nested member object", { foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }], { foo: "bar", child: { grandchild: {} } }],
  ["A.11 ignoring unrecognized elements", { foo: "bar" }, [{ op: "add", path: "/baz", value: "qux", xyz: 123 }], { foo: "bar", baz: "qux" }],
  ["A.14 ~ escape ordering", { "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }], { "/": 9, "~1": 10 }],
  ["A.16 adding an array value", { foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }], { foo: ["bar", ["abc", "def"]] }],
  ["copy", { a: { b: 1 } }, [{ op: "copy", from: "/a", path: "/c" }], { a: { b: 1 }, c: { b: 1 } }],
];

const failures: Fails[] = [
  ["A.9 testing a value: error", { baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }], 422],
  ["A.12 adding to a nonexistent target", { foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }], 422],
  ["A.15 comparing strings and numbers", { "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: "10" }], 422],
  ["replace of a missing member", { foo: "bar" }, [{ op: "replace", path: "/nope", value: 1 }], 422],
  ["remove of a missing member", { foo: "bar" }, [{ op: "remove", path: "/nope" }], 422],
  ["move into its own child", { a: { b: {} } }, [{ op: "move", from: "/a", path: "/a/b/c" }], 422],
  ["not a list", { foo: "bar" }, { op: "add", path: "/a", value: 1 }, 400],
  ["unknown op", { foo: "bar" }, [{ op: "frobnicate", path: "/a" }], 400],
  ["missing path", { foo: "bar" }, [{ op: "add", value: 1 }], 400],
  ["missing value", { foo: "bar" }, [{ op: "add", path: "/a" }], 400],
  ["missing from", { foo: "bar" }, [{ op: "move", path: "/a" }], 400],
  ["path not a pointer", { foo: "bar" }, [{ op: "add", path: "a", value: 1 }], 400],
  ["root replaced by a scalar", { foo: "bar" }, [{ op: "replace", path: "", value: 1 }], 422],
];

describe("RFC 6902 appendix A", () => {
  for (const [name, original, ops, expected] of appendixA) {
    test(name, () => {
      const before = structuredClone(original);
      expect(applyJsonPatch(original, ops)).toEqual(expected);
      expect(original).toEqual(before);
    });
  }
  for (const [name, original, ops, code] of failures) {
    test(`${name} → ${code}`, () => {
      const before = structuredClone(original);
      let err: unknown;
      try {
        applyJsonPatch(original, ops);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PatchError);
      expect((err as PatchError).code).toBe(code);
      expect(original).toEqual(before); // a failed patch leaves nothing half-applied
    });
  }
});

describe("kubectl rollout undo", () => {
  test("replaces the template and the annotations", () => {
    const deployment = {
      metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "2" } },
      spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "web:2" }] } } },
    };
    const template = { metadata: { creationTimestamp: null, labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "web:1", resources: {} }] } };
    const out = applyJsonPatch(deployment, [
      { op: "replace", path: "/spec/template", value: template },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "1" } },
    ]);
    expect(out.spec).toEqual({ replicas: 2, template });
    expect(out.metadata).toEqual({ name: "web", annotations: { "deployment.kubernetes.io/revision": "1" } });
  });

  test("a failed test names the path", () => {
    expect(() => applyJsonPatch({ spec: { replicas: 1 } }, [{ op: "test", path: "/spec/replicas", value: 42 }])).toThrow(/\/spec\/replicas/);
  });
});
