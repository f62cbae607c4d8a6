import { test, expect, describe } from "bun:test";
import { parseSet, parseSetString, parseSetJson, parseSetFile } from "../../../src/charts/values/strvals.ts";

// Cases from Helm's pkg/strvals/parser_test.go (TestParseSet and friends).
const set = (s: string) => { const d = {}; parseSet(s, d); return d; };

describe("--set parsing", () => {
  const cases: [string, unknown][] = [
    ["name1=value1", { name1: "value1" }],
    ["name1=value1,name2=value2", { name1: "value1", name2: "value2" }],
    ["name1=value1,name2=value2,", { name1: "value1", name2: "value2" }],
    ["long_int_string=1234567890", { long_int_string: 1234567890n }],
    ["boolean=true", { boolean: true }],
    ["is_null=null", { is_null: null }],
    ["zero=0", { zero: 0n }],
    ["leading_zeros=00009", { leading_zeros: "00009" }],
    ["float=1.5", { float: "1.5" }],
    ["name1=,name2=value2", { name1: "", name2: "value2" }],
    ["name1=one\\,two,name2=three\\,four", { name1: "one,two", name2: "three,four" }],
    ["name1=one\\=two,name2=three\\=four", { name1: "one=two", name2: "three=four" }],
    ["name1=one two three", { name1: "one two three" }],
    ["outer.inner=value", { outer: { inner: "value" } }],
    ["outer.middle.inner=value", { outer: { middle: { inner: "value" } } }],
    ["outer.inner1=value,outer.inner2=value2", { outer: { inner1: "value", inner2: "value2" } }],
    ["name1.name2=", { name1: { name2: "" } }],
    ["name1={value1,value2}", { name1: ["value1", "value2"] }],
    ["name1={value1,value2},name2={value1,value2}", { name1: ["value1", "value2"], name2: ["value1", "value2"] }],
    ["list[0]=foo", { list: ["foo"] }],
    ["list[0].foo=bar", { list: [{ foo: "bar" }] }],
    ["list[0].foo=bar,list[0].hello=world", { list: [{ foo: "bar", hello: "world" }] }],
    ["list[0]=foo,list[1]=bar", { list: ["foo", "bar"] }],
    ["list[0]=foo,list[3]=bar", { list: ["foo", null, null, "bar"] }],
    ["list[0][0]=1", { list: [[1n]] }],
    ["nested[0][1]=1", { nested: [[null, 1n]] }],
    ["a.b\\.c=d", { a: { "b.c": "d" } }],
  ];
  for (const [input, want] of cases) test(input, () => expect(set(input)).toEqual(want as object));

  const errors: [string, string][] = [
    ["name1=value1,name2", 'key "name2" has no value'],
    ["name1,name2=", 'key "name1" has no value (cannot end with ,)'],
    ["name1.=name2", 'key map "name1" has no value'],
    ["name1={value1,value2", "list must terminate with '}'"],
    ["list[-1]=foo", "negative -1 index not allowed"],
    ["list[0]foo=bar", 'unexpected data at end of array index: "foo"'],
  ];
  for (const [input, msg] of errors) test(`error: ${input}`, () => expect(() => set(input)).toThrow(msg));
});

describe("other --set flavours", () => {
  test("--set-string keeps strings", () => {
    const d = {}; parseSetString("a=true,b=10,c=null", d);
    expect(d).toEqual({ a: "true", b: "10", c: "null" });
  });
  test("--set-json parses JSON values", () => {
    const d = {}; parseSetJson('a={"b":[1,2]},c="x",e=', d);
    expect(d).toEqual({ a: { b: [1, 2] }, c: "x", e: null });
  });
  test("--set-file reads through the given reader", () => {
    const d = {}; parseSetFile("cfg=path/one,other=two", d, (p) => `contents of ${p}`);
    expect(d).toEqual({ cfg: "contents of path/one", other: "contents of two" });
  });
});
