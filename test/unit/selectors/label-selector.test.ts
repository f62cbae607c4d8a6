import { test, expect, describe } from "bun:test";
import { parseLabelSelector, labelMatcher, labelSelectorToString, labelSelectorMatcher, formatLabels, requirementToString } from "../../../src/api/selectors/index.ts";

describe("label selector string form", () => {
  const cases: [string, string][] = [
    ["a=b", "a=b"],
    ["a==b", "a==b"],
    ["a!=b", "a!=b"],
    ["x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"],
    ["env in (prod, dev)", "env in (dev,prod)"],
    ["!h,g", "g,!h"],
    ["  a = b , c != d ", "a=b,c!=d"],
    ["a=", "a="],
    ["example.com/app=web", "example.com/app=web"],
    ["in in (in)", "in in (in)"],
  ];
  for (const [input, normal] of cases) {
    test(`parses ${JSON.stringify(input)}`, () => {
      expect(parseLabelSelector(input).map(requirementToString).join(",")).toBe(normal);
    });
  }

  const errors: [string, string][] = [
    ["a=b c", "found 'c', expected: ',' or 'end of string'"],
    ["a,", "found '', expected: identifier after ','"],
    ["=a", "found '=', expected: !, identifier, or 'end of string'"],
    ["a in b", "unable to parse requirement: found 'b' expected: '('"],
    ["a in (b", "unable to parse requirement: found '', expected: ',' or ')'"],
    ["a (b)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ["-a=b", 'unable to parse requirement: <nil>: Invalid value: "-a": name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyName\',  or \'my.name\',  or \'123-abc\', regex used for validation is \'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\')'],
    ["a=-b", "unable to parse requirement: values[0][a]: Invalid value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
  ];
  for (const [input, message] of errors) {
    test(`rejects ${JSON.stringify(input)} with upstream's message`, () => {
      expect(() => parseLabelSelector(input)).toThrow(message);
    });
  }
});

describe("label selector matching", () => {
  const labels = { app: "web", tier: "fe", env: "prod" };
  const cases: [string, boolean][] = [
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["app!=db", true],
    ["missing!=x", true],
    ["env in (prod,dev)", true],
    ["env in (dev)", false],
    ["env notin (dev)", true],
    ["env notin (prod)", false],
    ["missing notin (prod)", true],
    ["tier", true],
    ["missing", false],
    ["!missing", true],
    ["!tier", false],
    ["app=web,tier=fe", true],
    ["app=web,tier=be", false],
    ["", true],
  ];
  for (const [sel, want] of cases) {
    test(`${JSON.stringify(sel)} → ${want}`, () => {
      expect(labelMatcher(sel)(labels)).toBe(want);
    });
  }
});

describe("LabelSelector objects", () => {
  test("matchLabels and matchExpressions become the sorted string form", () => {
    const sel = {
      matchLabels: { tier: "fe", app: "web" },
      matchExpressions: [
        { key: "env", operator: "In", values: ["prod", "dev"] },
        { key: "zone", operator: "NotIn", values: ["b"] },
        { key: "gpu", operator: "Exists" },
        { key: "legacy", operator: "DoesNotExist" },
      ],
    };
    expect(labelSelectorToString(sel)).toBe("app=web,env in (dev,prod),gpu,!legacy,tier=fe,zone notin (b)");
    const m = labelSelectorMatcher(sel);
    expect(m({ app: "web", tier: "fe", env: "dev", gpu: "1" })).toBe(true);
    expect(m({ app: "web", tier: "fe", env: "dev", gpu: "1", legacy: "y" })).toBe(false);
    expect(m({ app: "web", tier: "fe", env: "qa", gpu: "1" })).toBe(false);
    expect(m({ app: "web", tier: "fe", env: "dev", gpu: "1", zone: "b" })).toBe(false);
  });

  test("an empty selector selects everything and prints empty", () => {
    expect(labelSelectorToString({})).toBe("");
    expect(labelSelectorMatcher({})({ any: "thing" })).toBe(true);
  });

  test("an unknown operator is refused", () => {
    expect(() => labelSelectorToString({ matchExpressions: [{ key: "a", operator: "Near" }] })).toThrow('"Near" is not a valid label selector operator');
  });

  test("formatLabels sorts keys and shows <none> when empty", () => {
    expect(formatLabels({ b: "2", a: "1" })).toBe("a=1,b=2");
    expect(formatLabels({})).toBe("<none>");
    expect(formatLabels(undefined)).toBe("<none>");
  });
});
