// The registry's private copies of stored objects.
import { describe, expect, test } from "bun:test";
import { clone } from "../../../src/api/registry/metadata.ts";

describe("clone", () => {
  test("a deep copy: changing the copy leaves the original alone", () => {
    const original = JSON.parse('{"metadata":{"name":"a","labels":{"x":"1"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]},"status":null}');
    const copy = clone(original);
    expect(copy).toEqual(original);
    copy.metadata.labels.x = "2";
    copy.spec.containers[0].ports.push({ containerPort: 81 });
    expect(original.metadata.labels.x).toBe("1");
    expect(original.spec.containers[0].ports).toEqual([{ containerPort: 80 }]);
    expect(copy.status).toBeNull();
  });

  test("a __proto__ key from a JSON body stays data", () => {
    const original = JSON.parse('{"metadata":{"annotations":{"__proto__":{"polluted":"yes"}}}}');
    const copy = clone(original);
    expect(Object.keys(copy.metadata.annotations)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(copy.metadata.annotations)).toBe(Object.prototype);
    expect(({} as { polluted?: string }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
  });

  test("undefined members are kept; values that are not plain data are copied, not shared", () => {
    const when = new Date(0);
    const copy = clone({ a: undefined, when, list: [1, undefined] });
    expect("a" in copy).toBe(true);
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
    expect(copy.when.getTime()).toBe(0);
    expect(copy.list).toEqual([1, undefined]);
  });
});
