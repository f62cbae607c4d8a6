import { test, expect, describe } from "bun:test";
import { helmFuncMap } from "../../../src/charts/funcs/index.ts";

// Tables after Masterminds/sprig's *_test.go and Helm's pkg/engine/funcs_test.go,
// calling the functions directly (as a template pipeline would, arguments in order).
const f = helmFuncMap();
const call = (name: string, ...args: unknown[]) => {
  const fn = f[name];
  if (!fn) throw new Error(`no function ${name}`);
  return fn(...args);
};

type Row = [string, unknown[], unknown];
function table(title: string, rows: Row[]) {
  describe(title, () => {
    for (const [name, args, want] of rows) {
      test(`${name} ${JSON.stringify(args, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`, () => expect(call(name, ...args)).toEqual(want));
    }
  });
}

table("strings", [
  ["trunc", [5n, "foobar"], "fooba"],
  ["trunc", [-3n, "foobar"], "bar"],
  ["trunc", [10n, "foo"], "foo"],
  ["trimSuffix", ["-", "ab-"], "ab"],
  ["trimPrefix", ["-", "-ab"], "ab"],
  ["trimAll", ["$", "$5.00$"], "5.00"],
  ["upper", ["foo"], "FOO"],
  ["title", ["hello world"], "Hello World"],
  ["untitle", ["Hello World"], "hello world"],
  ["substr", [1n, 3n, "hello"], "el"],
  ["repeat", [3n, "ab"], "ababab"],
  ["nospace", [" a b  c "], "abc"],
  ["initials", ["Foo Bar"], "FB"],
  ["contains", ["cat", "concatenate"], true],
  ["hasPrefix", ["cat", "catch"], true],
  ["hasSuffix", ["cat", "catch"], false],
  ["quote", ["a", 1n, null, "b\"c"], "\"a\" \"1\" \"b\\\"c\""],
  ["squote", ["a"], "'a'"],
  ["cat", ["a", 1n, null, "b"], "a 1 b"],
  ["indent", [2n, "a\nb"], "  a\n  b"],
  ["nindent", [2n, "a"], "\n  a"],
  ["replace", ["a", "b", "banana"], "bbnbnb"],
  ["plural", ["one", "many", 1n], "one"],
  ["plural", ["one", "many", 2n], "many"],
  ["snakecase", ["FirstName"], "first_name"],
  ["camelcase", ["http_server"], "HttpServer"],
  ["kebabcase", ["FirstName"], "first-name"],
  ["swapcase", ["Hello"], "hELLO"],
  ["abbrev", [5n, "hello world"], "he..."],
  ["split", ["$", "foo$bar$baz"], { _0: "foo", _1: "bar", _2: "baz" }],
  ["splitList", [",", "a,b"], ["a", "b"]],
  ["splitn", ["$", 2n, "foo$bar$baz"], { _0: "foo", _1: "bar$baz" }],
  ["join", ["-", ["a", "b", null, 1n]], "a-b-1"],
  ["sortAlpha", [["c", "a", "b"]], ["a", "b", "c"]],
  ["toString", [1.5], "1.5"],
  ["toString", [1e21], "1e+21"],
  ["wrap", [5n, "Hello World"], "Hello\nWorld"],
]);

table("math", [
  ["add", [1n, 2n, 3.7], 6n],
  ["add1", [1.9], 2n],
  ["sub", [5n, 7n], -2n],
  ["mul", [2n, 3n, 4n], 24n],
  ["div", [7n, 2n], 3n],
  ["mod", [7n, 3n], 1n],
  ["max", [1n, 5n, 3n], 5n],
  ["min", [4n, 2n, 9n], 2n],
  ["addf", [0.1, 0.2], 0.3],
  ["subf", [1.5, 0.5], 1],
  ["mulf", [1.1, 3], 3.3],
  ["divf", [1, 4], 0.25],
  ["floor", [1.7], 1],
  ["ceil", [1.2], 2],
  ["round", [3.14159, 2n], 3.14],
  ["int", ["42"], 42n],
  ["int64", [3.9], 3n],
  ["float64", ["1.5"], 1.5],
  ["atoi", ["12"], 12n],
  ["until", [3n], [0n, 1n, 2n]],
  ["untilStep", [0n, 10n, 4n], [0n, 4n, 8n]],
  ["seq", [3n], "1 2 3"],
  ["seq", [5n, 2n], "5 4 3 2"],
]);

table("lists and dicts", [
  ["list", [1n, "a"], [1n, "a"]],
  ["first", [[1n, 2n]], 1n],
  ["last", [[1n, 2n]], 2n],
  ["rest", [[1n, 2n, 3n]], [2n, 3n]],
  ["initial", [[1n, 2n, 3n]], [1n, 2n]],
  ["append", [[1n], 2n], [1n, 2n]],
  ["prepend", [[1n], 0n], [0n, 1n]],
  ["reverse", [[1n, 2n]], [2n, 1n]],
  ["uniq", [[1n, 1n, "a", "a"]], [1n, "a"]],
  ["without", [[1n, 2n, 3n], 2n], [1n, 3n]],
  ["has", [2n, [1n, 2n]], true],
  ["compact", [[1n, "", null, "a", false]], [1n, "a"]],
  ["slice", [[1n, 2n, 3n], 1n], [2n, 3n]],
  ["concat", [[1n], [2n, 3n]], [1n, 2n, 3n]],
  ["chunk", [2n, [1n, 2n, 3n]], [[1n, 2n], [3n]]],
  ["dict", ["a", 1n, "b"], { a: 1n, b: "" }],
  ["get", [{ a: 1n }, "b"], ""],
  ["hasKey", [{ a: 1n }, "a"], true],
  ["pluck", ["a", { a: 1n }, { b: 2n }, { a: 3n }], [1n, 3n]],
  ["pick", [{ a: 1n, b: 2n }, "a"], { a: 1n }],
  ["omit", [{ a: 1n, b: 2n }, "a"], { b: 2n }],
  ["merge", [{ a: 1n, n: { x: 1n } }, { a: 2n, b: 3n, n: { x: 9n, y: 2n } }], { a: 1n, b: 3n, n: { x: 1n, y: 2n } }],
  ["mergeOverwrite", [{ a: 1n, n: { x: 1n } }, { a: 2n, n: { y: 2n } }], { a: 2n, n: { x: 1n, y: 2n } }],
  ["merge", [{ a: "" }, { a: "filled" }], { a: "filled" }],
  ["dig", ["a", "b", "def", { a: { b: "found" } }], "found"],
  ["dig", ["a", "x", "def", { a: { b: "found" } }], "def"],
]);

table("defaults and flow", [
  ["default", ["foo", ""], "foo"],
  ["default", ["foo", "bar"], "bar"],
  ["default", ["foo", 0n], "foo"],
  ["default", ["foo", false], "foo"],
  ["default", ["foo", []], "foo"],
  ["default", ["foo"], "foo"],
  ["empty", [{}], true],
  ["empty", [0.0], true],
  ["empty", ["x"], false],
  ["coalesce", [null, "", "a", "b"], "a"],
  ["all", [1n, "a"], true],
  ["any", [0n, ""], false],
  ["ternary", ["yes", "no", true], "yes"],
  ["ternary", ["yes", "no", false], "no"],
]);

table("encodings, checksums, semver, regex", [
  ["b64enc", ["abc"], "YWJj"],
  ["b64dec", ["YWJj"], "abc"],
  ["b32enc", ["abc"], "MFRGG==="],
  ["b32dec", ["MFRGG==="], "abc"],
  ["sha1sum", ["abc"], "a9993e364706816aba3e25717850c26c9cd0d89d"],
  ["sha256sum", ["abc"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  ["adler32sum", ["abc"], "38600999"],
  ["semverCompare", [">=1.2.0", "1.3.0"], true],
  ["semverCompare", ["^1.2.0", "2.0.0"], false],
  ["semverCompare", [">=1.20-0", "v1.32.0"], true],
  ["regexMatch", ["^[a-z]+$", "abc"], true],
  ["regexFind", ["[0-9]+", "abc123def456"], "123"],
  ["regexFindAll", ["[0-9]", "a1b2c3", -1n], ["1", "2", "3"]],
  ["regexReplaceAll", ["a(x*)b", "-ab-axxb-", "${1}W"], "-W-xxW-"],
  ["regexReplaceAllLiteral", ["a(x*)b", "-ab-axxb-", "${1}"], "-${1}-${1}-"],
  ["regexSplit", ["z+", "pizza", -1n], ["pi", "a"]],
  ["base", ["foo/bar.txt"], "bar.txt"],
  ["dir", ["foo/bar.txt"], "foo"],
  ["ext", ["foo/bar.txt"], ".txt"],
  ["clean", ["a/../b//c"], "b/c"],
  ["typeOf", [1n], "int"],
  ["kindIs", ["map", {}], true],
]);

// pkg/engine/funcs_test.go
table("Helm's additions", [
  ["toYaml", [{ foo: "bar" }], "foo: bar"],
  ["toYaml", [["a", "b"]], "- a\n- b"],
  ["toJson", [{ foo: "bar", a: [1n, 2.5] }], '{"a":[1,2.5],"foo":"bar"}'],
  ["toJson", [{ html: "<a>&" }], '{"html":"\\u003ca\\u003e\\u0026"}'],
  ["fromYaml", ["hello: world"], { hello: "world" }],
  ["fromYaml", ["- one\n- two"], { Error: "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}" }],
  ["fromYamlArray", ["- one\n- two"], ["one", "two"]],
  ["fromJson", ['{"hello":"world"}'], { hello: "world" }],
  ["fromJsonArray", ['["one", 2]'], ["one", 2]],
  ["toToml", [{ foo: "bar" }], 'foo = "bar"\n'],
  ["lookup", ["v1", "Pod", "ns", "name"], {}],
  ["getHostByName", ["example.com"], ""],
]);

describe("required and fail", () => {
  test("required passes values through", () => expect(call("required", "msg", "x")).toBe("x"));
  test("required fails on nil and empty strings with Helm's markers", () => {
    expect(() => call("required", "foo is required", null)).toThrow("HELM_ERR_STARTfoo is requiredHELM_ERR_END");
    expect(() => call("required", "foo is required", "")).toThrow("foo is required");
  });
  test("fail always fails", () => expect(() => call("fail", "boom")).toThrow("boom"));
});

describe("random values have the requested shape", () => {
  test("randAlphaNum", () => expect(String(call("randAlphaNum", 12n))).toMatch(/^[A-Za-z0-9]{12}$/));
  test("uuidv4", () => expect(String(call("uuidv4"))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
});

describe("dates", () => {
  test("date formats with Go layouts in UTC", () => {
    const t = call("toDate", "2006-01-02", "2024-03-05");
    expect(call("dateInZone", "2006-01-02 15:04:05 Jan Mon", t, "UTC")).toBe("2024-03-05 00:00:00 Mar Tue");
  });
  test("duration", () => expect(call("duration", "95")).toBe("1m35s"));
});

test("env and expandenv are not available", () => {
  expect(f.env).toBeUndefined();
  expect(f.expandenv).toBeUndefined();
});
