// Execution behaviours with exact Go messages: error locations, missingkey
// options, delimiters, recursion limits, and functions that call back into
// the set while it executes (Helm's include and tpl).
import { describe, expect, test } from "bun:test";
import { TemplateError, TemplateSet } from "../../../src/charts/gotemplate/index.ts";
import { tVal } from "./go-test-data.ts";

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError);
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

describe("error messages (Go's TestExecError and friends)", () => {
  test("nested template error names the innermost template and its place", () => {
    const set = new TemplateSet();
    set.parse(
      "top",
      `line 1
line 2
line 3
{{template "one" .}}
{{define "one"}}{{template "two" .}}{{end}}
{{define "two"}}{{template "three" .}}{{end}}
{{define "three"}}{{index "hi" $}}{{end}}`,
    );
    expect(errorOf(() => set.execute("top", 5n))).toBe(
      `template: top:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5`,
    );
  });

  const panics: [string, string, unknown, string][] = [
    ["direct func call", "{{doPanic}}", null, `template: t:1:2: executing "t" at <doPanic>: error calling doPanic: custom panic string`],
    ["func call as argument", "{{call doPanic}}", null, `template: t:1:7: executing "t" at <doPanic>: error calling doPanic: custom panic string`],
    ["func field call", "{{call .PanicFunc}}", tVal, `template: t:1:2: executing "t" at <call .PanicFunc>: error calling call: test panic`],
    ["call non-function", "{{call .True}}", tVal, `template: t:1:2: executing "t" at <call .True>: error calling call: non-function .True of type bool`],
    ["call pipeline", `{{call (len "test")}}`, null, `error calling call: non-function len "test" of type int`],
  ];
  for (const [name, input, data, want] of panics) {
    test(name, () => {
      const set = new TemplateSet({
        funcs: {
          doPanic: () => {
            throw new Error("custom panic string");
          },
        },
      });
      set.parse("t", input);
      expect(errorOf(() => set.execute("t", data))).toContain(want);
    });
  }

  test("a thrown non-Error value is reported by its text", () => {
    const set = new TemplateSet({
      funcs: {
        fail: () => {
          throw "plain";
        },
      },
    });
    set.parse("t", "{{fail}}");
    expect(errorOf(() => set.execute("t", null))).toBe(`template: t:1:2: executing "t" at <fail>: error calling fail: plain`);
  });

  test("column counts bytes of the line, not characters", () => {
    const set = new TemplateSet();
    set.parse("t", "ä\néé {{ .a.b }}");
    expect(errorOf(() => set.execute("t", { a: null }))).toBe(
      `template: t:2:10: executing "t" at <.a.b>: nil pointer evaluating interface {}.b`,
    );
  });

  test("field on a scalar", () => {
    const set = new TemplateSet();
    set.parse("X", "hello, {{.X.Y}}");
    expect(errorOf(() => set.execute("X", 0n))).toBe(`template: X:1:11: executing "X" at <.X.Y>: can't evaluate field X in type int`);
  });

  test("undefined template", () => {
    const set = new TemplateSet();
    set.parse("t", `{{template "nope"}}`);
    expect(errorOf(() => set.execute("t", null))).toBe(`template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined`);
  });

  test("executing an unknown name", () => {
    const set = new TemplateSet({ name: "gotpl" });
    expect(errorOf(() => set.execute("missing", null))).toBe(`template: no template "missing" associated with template "gotpl"`);
  });

  test("unknown function at parse time, wrong arity at run time", () => {
    const set = new TemplateSet();
    expect(errorOf(() => set.parse("t", "{{ nope 1 }}"))).toBe(`template: t:1: function "nope" not defined`);
    set.parse("u", "{{ not 1 2 }}");
    expect(errorOf(() => set.execute("u", null))).toBe(`template: u:1:3: executing "u" at <not>: wrong number of args for not: want 1 got 2`);
  });

  test("a function value cannot be printed", () => {
    const set = new TemplateSet();
    set.parse("t", "{{.F}}");
    expect(errorOf(() => set.execute("t", { F: () => 1 }))).toContain("can't print {{.F}} of type");
  });
});

describe("missingkey (Go's TestMissingMapKey, with interface{} values)", () => {
  const data = { x: 99n };
  const run = (missingKey: "default" | "zero" | "error", text: string, d: unknown = data) => {
    const set = new TemplateSet({ missingKey });
    set.parse("t1", text);
    return set.execute("t1", d);
  };
  test("default prints <no value>", () => expect(run("default", "{{.x}} {{.y}}")).toBe("99 <no value>"));
  // For map[string]interface{} the zero value is a nil interface, which a
  // pipeline turns back into no value: Go still prints <no value>.
  test("zero still prints <no value> for interface maps", () => expect(run("zero", "{{.x}} {{.y}}")).toBe("99 <no value>"));
  test("zero passes nil to functions", () => {
    const set = new TemplateSet({ missingKey: "zero", funcs: { kind: (v: unknown) => String(v) } });
    set.parse("t", "{{ kind .y }}");
    expect(set.execute("t", data)).toBe("null");
  });
  test("error names the key", () => expect(() => run("error", "{{.x}} {{.y}}")).toThrow(`map has no entry for key "y"`));
  test("error on nil data", () => expect(() => run("error", "{{.x}}", null)).toThrow(`nil data; no entry for key "x"`));
  test("default: a field of a missing key is no value", () => expect(run("default", "{{.a.b}}")).toBe("<no value>"));
  test("zero: a field of a missing key is a nil pointer error (Helm's familiar message)", () =>
    expect(() => run("zero", "{{ .Values.a.b }}", { Values: {} })).toThrow(
      `template: t1:1:10: executing "t1" at <.Values.a.b>: nil pointer evaluating interface {}.b`,
    ));
  test("a field of an explicit null errors in every mode", () =>
    expect(() => run("default", "{{.a.b}}", { a: null })).toThrow("nil pointer evaluating interface {}.b"));
  test("a variable holding null is no value", () => expect(run("default", "{{$v := .a}}{{$v.b}}", { a: null })).toBe("<no value>"));
  test("a null range element as dot errors on field access", () =>
    expect(() => run("default", "{{range .l}}{{.x}}{{end}}", { l: [null] })).toThrow("nil pointer evaluating interface {}.x"));
});

describe("delimiters (Go's TestDelims)", () => {
  const pairs: [string, string][] = [
    ["", ""],
    ["{{", "}}"],
    ["<<", ">>"],
    ["|", "|"],
    ["(日)", "(本)"],
  ];
  for (const [left, right] of pairs) {
    test(`${left || "default"} ${right || "default"}`, () => {
      const l = left || "{{";
      const r = right || "}}";
      const text = `${l}.Str${r}${l}/*comment*/${r}${l}"${l}"${r}`;
      const set = new TemplateSet({ leftDelim: left, rightDelim: right });
      set.parse("delims", text);
      expect(set.execute("delims", { Str: "Hello, world" })).toBe("Hello, world" + l);
    });
  }
});

describe("recursive templates", () => {
  test("binary tree with ( ) delimiters and trimming (Go's TestTree)", () => {
    const node = (Val: bigint, Left: unknown = null, Right: unknown = null) => ({ Val, Left, Right });
    const tree = node(
      1n,
      node(2n, node(3n, node(4n)), node(5n, node(6n))),
      node(7n, node(8n, node(9n)), node(10n, node(11n))),
    );
    const text = `
	(- define "tree" -)
	[
		(- .Val -)
		(- with .Left -)
			(template "tree" . -)
		(- end -)
		(- with .Right -)
			(- template "tree" . -)
		(- end -)
	]
	(- end -)
`;
    const set = new TemplateSet({ leftDelim: "(", rightDelim: ")" });
    set.parse("root", text);
    expect(set.execute("tree", tree)).toBe("[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]");
  });

  test("endless recursion stops with Go's depth error", () => {
    const set = new TemplateSet();
    set.parse("tmpl", `{{template "tmpl" .}}`);
    expect(errorOf(() => set.execute("tmpl", null))).toContain("exceeded maximum template depth (100000)");
  });
});

describe("re-entrant use from functions", () => {
  test("include-style function executes another template during execution", () => {
    const set = new TemplateSet();
    set.addFuncs({ include: (name: string, data: unknown) => set.execute(name, data) });
    set.parse("helpers", `{{define "name"}}{{.Chart.Name}}-{{.Release.Name}}{{end}}`);
    set.parse("main", `name: {{ include "name" . }}\nlen: {{ include "name" . | len }}`);
    expect(set.execute("main", { Chart: { Name: "app" }, Release: { Name: "r1" } })).toBe("name: app-r1\nlen: 6");
  });

  test("tpl-style function parses and executes new text mid-execution", () => {
    const set = new TemplateSet();
    let n = 0;
    set.addFuncs({
      tpl: (text: string, data: unknown) => {
        const name = `tpl-${n++}`;
        set.parse(name, text);
        return set.execute(name, data);
      },
    });
    set.parse("main", `{{ tpl .Values.msg . }}|{{ tpl "{{ .Values.n | printf \\"%03d\\" }}" . }}`);
    expect(set.execute("main", { Values: { msg: "hi {{ .Values.who }}", who: "you", n: 7n } })).toBe("hi you|007");
  });

  test("an error inside a nested execute is wrapped like Go wraps it", () => {
    const set = new TemplateSet();
    set.addFuncs({ include: (name: string, data: unknown) => set.execute(name, data) });
    set.parse("inner", `{{ .missing.field }}`);
    set.parse("outer", `x {{ include "inner" .x }}`);
    expect(errorOf(() => set.execute("outer", { x: { missing: null } }))).toBe(
      `template: outer:1:5: executing "outer" at <include "inner" .x>: error calling include: ` +
        `template: inner:1:11: executing "inner" at <.missing.field>: nil pointer evaluating interface {}.field`,
    );
  });

  test("outer variables and output survive a nested execution", () => {
    const set = new TemplateSet();
    set.addFuncs({ include: (name: string, data: unknown) => set.execute(name, data) });
    set.parse("i", `{{ $x := "inner" }}{{ $x }}`);
    set.parse("o", `{{ $x := "outer" }}[{{ include "i" . }}]{{ $x }}`);
    expect(set.execute("o", null)).toBe("[inner]outer");
  });
});

describe("template set semantics", () => {
  test("a later define replaces an earlier one; an empty one does not", () => {
    const set = new TemplateSet();
    set.parse("a", `{{define "x"}}one{{end}}`);
    set.parse("b", `{{define "x"}}two{{end}}`);
    expect(set.execute("x", null)).toBe("two");
    set.parse("c", `{{define "x"}}  {{end}}`);
    expect(set.execute("x", null)).toBe("two");
  });

  test("a failed parse adds nothing", () => {
    const set = new TemplateSet();
    expect(() => set.parse("bad", `{{define "y"}}y{{end}}{{ .x `)).toThrow("unclosed action");
    expect(set.has("y")).toBe(false);
    expect(set.has("bad")).toBe(false);
  });

  test("functions added later are seen by later parses and override builtins", () => {
    const set = new TemplateSet();
    expect(() => set.parse("t", "{{ up .s }}")).toThrow(`function "up" not defined`);
    set.addFuncs({ up: (s: string) => s.toUpperCase(), len: () => "mine" });
    set.parse("t", "{{ up .s }} {{ len .s }}");
    expect(set.execute("t", { s: "ab" })).toBe("AB mine");
  });

  test("bad function names are refused", () => {
    expect(() => new TemplateSet({ funcs: { "a-b": () => 1 } })).toThrow(`function name "a-b" is not a valid identifier`);
    expect(() => new TemplateSet({ funcs: { "2": () => 1 } })).toThrow("not a valid identifier");
  });

  test("struct fields are not methods; prototype functions are", () => {
    class Files {
      constructor(private files: Record<string, string>) {}
      Get(name: string): string {
        return this.files[name] ?? "";
      }
    }
    const set = new TemplateSet();
    set.parse("t", `{{ .Files.Get "a.txt" }}|{{ if .Fn }}fn{{ end }}|{{ call .Fn 2 }}`);
    expect(set.execute("t", { Files: new Files({ "a.txt": "A" }), Fn: (n: bigint) => n * 2n })).toBe("A|fn|4");
  });
});
