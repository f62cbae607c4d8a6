// Go's text/template/parse parse_test.go tables: the printed tree of each
// template (text quoted, as Go's tests print it), parse errors, numbers.
import { describe, expect, test } from "bun:test";
import { TemplateSet } from "../../../src/charts/gotemplate/index.ts";
import { parseCharConstant, parseNumber } from "../../../src/charts/gotemplate/literals.ts";
import { isEmptyTree, nodeString } from "../../../src/charts/gotemplate/nodes.ts";
import { parseTemplates } from "../../../src/charts/gotemplate/parser.ts";

const builtins = new Set(["printf", "contains"]);
const parseTree = (name: string, input: string, hasFunction = (f: string) => builtins.has(f)) =>
  parseTemplates(name, input, { hasFunction }).get(name)!;

// [name, input, expected printed tree, or null when parsing must fail]
const parseTests: [string, string, string | null][] = [
  ["empty", "", ``],
  ["comment", "{{/*\n\n\n*/}}", ``],
  ["spaces", " \t\n", `" \\t\\n"`],
  ["text", "some text", `"some text"`],
  ["emptyAction", "{{}}", null],
  ["field", "{{.X}}", `{{.X}}`],
  ["simple command", "{{printf}}", `{{printf}}`],
  ["$ invocation", "{{$}}", "{{$}}"],
  ["variable invocation", "{{with $x := 3}}{{$x 23}}{{end}}", "{{with $x := 3}}{{$x 23}}{{end}}"],
  ["variable with fields", "{{$.I}}", "{{$.I}}"],
  ["multi-word command", "{{printf `%d` 23}}", "{{printf `%d` 23}}"],
  ["pipeline", "{{.X|.Y}}", `{{.X | .Y}}`],
  ["pipeline with decl", "{{$x := .X|.Y}}", `{{$x := .X | .Y}}`],
  ["nested pipeline", "{{.X (.Y .Z) (.A | .B .C) (.E)}}", `{{.X (.Y .Z) (.A | .B .C) (.E)}}`],
  ["field applied to parentheses", "{{(.Y .Z).Field}}", `{{(.Y .Z).Field}}`],
  ["simple if", "{{if .X}}hello{{end}}", `{{if .X}}"hello"{{end}}`],
  ["if with else", "{{if .X}}true{{else}}false{{end}}", `{{if .X}}"true"{{else}}"false"{{end}}`],
  ["if with else if", "{{if .X}}true{{else if .Y}}false{{end}}", `{{if .X}}"true"{{else}}{{if .Y}}"false"{{end}}{{end}}`],
  [
    "if else chain",
    "+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+",
    `"+"{{if .X}}"X"{{else}}{{if .Y}}"Y"{{else}}{{if .Z}}"Z"{{end}}{{end}}{{end}}"+"`,
  ],
  ["simple range", "{{range .X}}hello{{end}}", `{{range .X}}"hello"{{end}}`],
  ["chained field range", "{{range .X.Y.Z}}hello{{end}}", `{{range .X.Y.Z}}"hello"{{end}}`],
  ["nested range", "{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}", `{{range .X}}"hello"{{range .Y}}"goodbye"{{end}}{{end}}`],
  ["range with else", "{{range .X}}true{{else}}false{{end}}", `{{range .X}}"true"{{else}}"false"{{end}}`],
  ["range over pipeline", "{{range .X|.M}}true{{else}}false{{end}}", `{{range .X | .M}}"true"{{else}}"false"{{end}}`],
  ["range []int", "{{range .SI}}{{.}}{{end}}", `{{range .SI}}{{.}}{{end}}`],
  ["range 1 var", "{{range $x := .SI}}{{.}}{{end}}", `{{range $x := .SI}}{{.}}{{end}}`],
  ["range 2 vars", "{{range $x, $y := .SI}}{{.}}{{end}}", `{{range $x, $y := .SI}}{{.}}{{end}}`],
  ["range with break", "{{range .SI}}{{.}}{{break}}{{end}}", `{{range .SI}}{{.}}{{break}}{{end}}`],
  ["range with continue", "{{range .SI}}{{.}}{{continue}}{{end}}", `{{range .SI}}{{.}}{{continue}}{{end}}`],
  ["constants", "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}", `{{range .SI 1 -3.2i true false 'a' nil}}{{end}}`],
  ["template", "{{template `x`}}", `{{template "x"}}`],
  ["template with arg", "{{template `x` .Y}}", `{{template "x" .Y}}`],
  ["with", "{{with .X}}hello{{end}}", `{{with .X}}"hello"{{end}}`],
  ["with with else", "{{with .X}}hello{{else}}goodbye{{end}}", `{{with .X}}"hello"{{else}}"goodbye"{{end}}`],
  ["with with else with", "{{with .X}}hello{{else with .Y}}goodbye{{end}}", `{{with .X}}"hello"{{else}}{{with .Y}}"goodbye"{{end}}{{end}}`],
  [
    "with else chain",
    "{{with .X}}X{{else with .Y}}Y{{else with .Z}}Z{{end}}",
    `{{with .X}}"X"{{else}}{{with .Y}}"Y"{{else}}{{with .Z}}"Z"{{end}}{{end}}{{end}}`,
  ],
  // Trimming spaces.
  ["trim left", "x \r\n\t{{- 3}}", `"x"{{3}}`],
  ["trim right", "{{3 -}}\n\n\ty", `{{3}}"y"`],
  ["trim left and right", "x \r\n\t{{- 3 -}}\n\n\ty", `"x"{{3}}"y"`],
  ["trim with extra spaces", "x\n{{-  3   -}}\ny", `"x"{{3}}"y"`],
  ["comment trim left", "x \r\n\t{{- /* hi */}}", `"x"`],
  ["comment trim right", "{{/* hi */ -}}\n\n\ty", `"y"`],
  ["comment trim left and right", "x \r\n\t{{- /* */ -}}\n\n\ty", `"x""y"`],
  ["block definition", `{{block "foo" .}}hello{{end}}`, `{{template "foo" .}}`],
  ["newline in assignment", "{{ $x \n := \n 1 \n }}", "{{$x := 1}}"],
  ["newline in empty action", "{{\n}}", null],
  ["newline in pipeline", '{{\n"x"\n|\nprintf\n}}', `{{"x" | printf}}`],
  ["newline in comment", "{{/*\nhello\n*/}}", ""],
  ["newline in trimmed comment", "{{-\n/*\nhello\n*/\n-}}", ""],
  ["spaces around continue", "{{range .SI}}{{.}}{{ continue }}{{end}}", `{{range .SI}}{{.}}{{continue}}{{end}}`],
  ["spaces around break", "{{range .SI}}{{.}}{{ break }}{{end}}", `{{range .SI}}{{.}}{{break}}{{end}}`],
  // Errors.
  ["unclosed action", "hello{{range", null],
  ["unmatched end", "{{end}}", null],
  ["unmatched else", "{{else}}", null],
  ["unmatched else after if", "{{if .X}}hello{{end}}{{else}}", null],
  ["multiple else", "{{if .X}}1{{else}}2{{else}}3{{end}}", null],
  ["missing end", "hello{{range .x}}", null],
  ["missing end after else", "hello{{range .x}}{{else}}", null],
  ["undefined function", "hello{{undefined}}", null],
  ["undefined variable", "{{$x}}", null],
  ["variable undefined after end", "{{with $x := 4}}{{end}}{{$x}}", null],
  ["variable undefined in template", "{{template $v}}", null],
  ["declare with field", "{{with $x.Y := 4}}{{end}}", null],
  ["template with field ref", "{{template .X}}", null],
  ["template with var", "{{template $v}}", null],
  ["invalid punctuation", "{{printf 3, 4}}", null],
  ["multidecl outside range", "{{with $v, $u := 3}}{{end}}", null],
  ["too many decls in range", "{{range $u, $v, $w := 3}}{{end}}", null],
  ["dot applied to parentheses", "{{printf (printf .).}}", null],
  ["adjacent args", "{{printf 3`x`}}", null],
  ["adjacent args with .", "{{printf `x`.}}", null],
  ["extra end after if", "{{if .X}}a{{else if .Y}}b{{end}}{{end}}", null],
  ["break outside range", "{{range .}}{{end}} {{break}}", null],
  ["continue outside range", "{{range .}}{{end}} {{continue}}", null],
  ["break in range else", "{{range .}}{{else}}{{break}}{{end}}", null],
  ["continue in range else", "{{range .}}{{else}}{{continue}}{{end}}", null],
  ["bug0a", "{{$x := 0}}{{$x}}", "{{$x := 0}}{{$x}}"],
  ["bug0b", "{{$x += 1}}{{$x}}", null],
  ["bug0c", "{{$x ! 2}}{{$x}}", null],
  ["bug0d", "{{$x % 3}}{{$x}}", null],
  ["bug0e", "{{range $x := $y := 3}}{{end}}", null],
  ["bug1a", "{{$x:=.}}{{$x!2}}", null],
  ["bug1b", "{{$x:=.}}{{$x+2}}", null],
  ["bug1c", "{{$x:=.}}{{$x +2}}", "{{$x := .}}{{$x +2}}"],
  ["bug2a", "{{range $x := 0}}{{$x}}{{end}}", "{{range $x := 0}}{{$x}}{{end}}"],
  ["bug2b", "{{range $x = 0}}{{$x}}{{end}}", "{{range $x = 0}}{{$x}}{{end}}"],
  ["dot after integer", "{{1.E}}", null],
  ["dot after float", "{{0.1.E}}", null],
  ["dot after boolean", "{{true.E}}", null],
  ["dot after char", "{{'a'.any}}", null],
  ["dot after string", `{{"hello".guys}}`, null],
  ["dot after dot", "{{..E}}", null],
  ["dot after nil", "{{nil.E}}", null],
  ["wrong pipeline dot", "{{12|.}}", null],
  ["wrong pipeline number", "{{.|12|printf}}", null],
  ["wrong pipeline string", '{{.|printf|"error"}}', null],
  ["wrong pipeline char", "{{12|printf|'e'}}", null],
  ["wrong pipeline boolean", "{{.|true}}", null],
  ["wrong pipeline nil", "{{'c'|nil}}", null],
  ["empty pipeline", `{{printf "%d" ( ) }}`, null],
  ["block without pipeline", `{{block "foo"}}hello{{end}}`, null],
  ["paren nesting", "{{ ((( 1 ))) | printf }}", "{{(((1))) | printf}}"],
  ["paren nesting with other constructs", "{{ if ((( true ))) }}YES{{ end }}", '{{if (((true)))}}"YES"{{end}}'],
];

describe("Go parseTests", () => {
  for (const [name, input, result] of parseTests) {
    test(name, () => {
      if (result === null) expect(() => parseTree(name, input)).toThrow(/^template: /);
      else expect(nodeString(parseTree(name, input).root, true)).toBe(result);
    });
  }
});

// Go's errorTests: the message must contain the given text.
const errorTests: [string, string, string][] = [
  ["unclosed1", "line1\n{{", `unclosed1:2: unclosed action`],
  ["unclosed2", "line1\n{{define `x`}}line2\n{{", `unclosed2:3: unclosed action`],
  ["unclosed3", 'line1\n{{"x"\n"y"\n', `unclosed3:4: unclosed action started at unclosed3:2`],
  ["unclosed4", "{{\n\n\n\n\n", `unclosed4:6: unclosed action started at unclosed4:1`],
  ["var1", "line1\n{{\nx\n}}", `var1:3: function "x" not defined`],
  ["function", "{{foo}}", `function "foo" not defined`],
  ["comment1", "{{/*}}", `comment1:1: unclosed comment`],
  ["comment2", "{{/*\nhello\n}}", `comment2:1: unclosed comment`],
  ["lparen", "{{.X (1 2 3}}", `unclosed left paren`],
  ["rparen", "{{.X 1 2 3 ) }}", "unexpected right paren"],
  ["rparen2", "{{(.X 1 2 3", `unclosed action`],
  ["space", "{{`x`3}}", `in operand`],
  ["idchar", "{{a#}}", `'#'`],
  ["charconst", "{{'a}}", `unterminated character constant`],
  ["stringconst", `{{"a}}`, `unterminated quoted string`],
  ["rawstringconst", "{{`a}}", `unterminated raw quoted string`],
  ["number", "{{0xi}}", `number syntax`],
  ["multidefine", "{{define `a`}}a{{end}}{{define `a`}}b{{end}}", `multiple definition of template`],
  ["eof", "{{range .X}}", `unexpected EOF`],
  ["variable", "{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}", `unexpected ":="`],
  ["multidecl", "{{$a,$b,$c := 23}}", `too many declarations`],
  ["undefvar", "{{$a}}", `undefined variable`],
  ["wrongdot", "{{true.any}}", `unexpected . after term`],
  ["wrongpipeline", "{{12|false}}", `non executable command in pipeline`],
  ["emptypipeline", `{{ ( ) }}`, `missing value for parenthesized pipeline`],
  ["multilinerawstring", "{{ $v := `\n` }} {{", `multilinerawstring:2: unclosed action`],
  ["rangeundefvar", "{{range $k}}{{end}}", `undefined variable`],
  ["rangeundefvars", "{{range $k, $v}}{{end}}", `undefined variable`],
  ["rangemissingvalue1", "{{range $k,}}{{end}}", `missing value for range`],
  ["rangemissingvalue2", "{{range $k, $v := }}{{end}}", `missing value for range`],
  ["rangenotvariable1", "{{range $k, .}}{{end}}", `range can only initialize variables`],
  ["rangenotvariable2", "{{range $k, 123 := .}}{{end}}", `range can only initialize variables`],
  // Exact messages, as users see them.
  ["brace in operand", "a\nb\n{{ .x }\n}}", `template: brace in operand:3: unexpected "}" in operand`],
  ["unexpected end", "{{end}}", `template: unexpected end:1: unexpected {{end}}`],
  ["else in define", `{{define "x"}}{{else}}{{end}}`, `template: else in define:1: unexpected {{else}} in define clause`],
  ["expected end", "{{if 1}}a{{else}}b{{else}}c{{end}}", `template: expected end:1: expected end; found {{else}}`],
  ["break outside range exact", "{{break}}", `template: break outside range exact:1: {{break}} outside {{range}}`],
  ["bad character", "{{.x$}}", `template: bad character:1: bad character U+0024 '$'`],
  ["unexpected <define>", "{{if define}}{{end}}", `unexpected <define> in if`],
  ["long token", '{{"x""0123456789abcdef"}}', `unexpected "\\"012345678"... in operand`],
  ["unterminated raw string line", "hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n", "X:3: unterminated raw quoted string"],
  ["invalid string escape", `{{"\\q"}}`, `template: invalid string escape:1: invalid syntax`],
  ["integer overflow", "{{ 99999999999999999999 }}", `integer overflow: "99999999999999999999"`],
  ["malformed char", "{{ 'xx' }}", `malformed character constant: 'xx'`],
  ["unrecognized character", "{{ \u0001 }}", `unrecognized character in action: U+0001`],
];

describe("Go errorTests", () => {
  for (const [name, input, want] of errorTests) {
    test(name, () => {
      const n = name === "unterminated raw string line" ? "X" : name;
      expect(() => parseTree(n, input)).toThrow(want);
    });
  }
});

describe("keywords and functions", () => {
  test("break is a function when the FuncMap has one", () => {
    const input = "{{range .X}}{{break 20}}{{end}}";
    expect(() => parseTree("k", input, (f) => f === "break")).not.toThrow();
    expect(() => parseTree("k", input, () => false)).toThrow('template: k:1: unexpected "20" in {{break}}');
  });
});

// Go's numberTests: how each literal is classified.
const numberTests: [string, { isInt?: bigint; isUint?: bigint; isFloat?: number; isComplex?: true } | null][] = [
  ["0", { isInt: 0n, isUint: 0n, isFloat: 0 }],
  ["-0", { isInt: 0n, isUint: 0n, isFloat: 0 }],
  ["73", { isInt: 73n, isUint: 73n, isFloat: 73 }],
  ["7_3", { isInt: 73n, isUint: 73n, isFloat: 73 }],
  ["0b10_010_01", { isInt: 73n, isUint: 73n, isFloat: 73 }],
  ["0B10_010_01", { isInt: 73n, isUint: 73n, isFloat: 73 }],
  ["073", { isInt: 59n, isUint: 59n, isFloat: 59 }],
  ["0o73", { isInt: 59n, isUint: 59n, isFloat: 59 }],
  ["0O73", { isInt: 59n, isUint: 59n, isFloat: 59 }],
  ["0x73", { isInt: 115n, isUint: 115n, isFloat: 115 }],
  ["0X73", { isInt: 115n, isUint: 115n, isFloat: 115 }],
  ["0x7_3", { isInt: 115n, isUint: 115n, isFloat: 115 }],
  ["-73", { isInt: -73n, isFloat: -73 }],
  ["+73", { isInt: 73n, isFloat: 73 }],
  ["100", { isInt: 100n, isUint: 100n, isFloat: 100 }],
  ["1e9", { isInt: 1000000000n, isUint: 1000000000n, isFloat: 1e9 }],
  ["-1e9", { isInt: -1000000000n, isFloat: -1e9 }],
  ["-1.2", { isFloat: -1.2 }],
  ["1e19", { isUint: 10000000000000000000n, isFloat: 1e19 }],
  ["1e1_9", { isUint: 10000000000000000000n, isFloat: 1e19 }],
  ["1E19", { isUint: 10000000000000000000n, isFloat: 1e19 }],
  ["-1e19", { isFloat: -1e19 }],
  ["0x_1p4", { isInt: 16n, isUint: 16n, isFloat: 16 }],
  ["0X_1P4", { isInt: 16n, isUint: 16n, isFloat: 16 }],
  ["0x_1p-4", { isFloat: 1 / 16 }],
  ["4i", { isComplex: true }],
  ["073i", { isComplex: true }],
  ["0i", { isInt: 0n, isUint: 0n, isFloat: 0, isComplex: true }],
  ["0123", { isInt: 83n, isUint: 83n, isFloat: 83 }],
  ["-0x0", { isInt: 0n, isUint: 0n, isFloat: 0 }],
  ["0xdeadbeef", { isInt: 0xdeadbeefn, isUint: 0xdeadbeefn, isFloat: 0xdeadbeef }],
  ["0xef", { isInt: 0xefn, isUint: 0xefn, isFloat: 0xef }],
  [`'a'`, { isInt: 97n, isUint: 97n, isFloat: 97 }],
  [`'\\n'`, { isInt: 10n, isUint: 10n, isFloat: 10 }],
  [`'\\\\'`, { isInt: 92n, isUint: 92n, isFloat: 92 }],
  [`'\\''`, { isInt: 39n, isUint: 39n, isFloat: 39 }],
  [`'\\xFF'`, { isInt: 255n, isUint: 255n, isFloat: 255 }],
  [`'パ'`, { isInt: 0x30d1n, isUint: 0x30d1n, isFloat: 0x30d1 }],
  [`'\\u30d1'`, { isInt: 0x30d1n, isUint: 0x30d1n, isFloat: 0x30d1 }],
  [`'\\U000030d1'`, { isInt: 0x30d1n, isUint: 0x30d1n, isFloat: 0x30d1 }],
  ["+-2", null],
  ["0x123.", null],
  ["1e.", null],
  ["0xi.", null],
  ["1+2.", null],
  ["'x", null],
  ["'xx'", null],
  ["'433937734937734969526500969526500'", null],
];

describe("Go numberTests", () => {
  for (const [text, want] of numberTests) {
    test(text, () => {
      const parse = () => (text[0] === "'" ? parseCharConstant(text) : parseNumber(text, false));
      if (want === null) {
        expect(parse).toThrow();
        return;
      }
      const n = parse();
      expect(n.isComplex).toBe(want.isComplex === true);
      expect(n.isInt).toBe(want.isInt !== undefined);
      if (want.isInt !== undefined) expect(n.int64).toBe(want.isInt);
      expect(n.isUint).toBe(want.isUint !== undefined);
      if (want.isUint !== undefined) expect(n.uint64).toBe(want.isUint);
      expect(n.isFloat).toBe(want.isFloat !== undefined);
      if (want.isFloat !== undefined) expect(n.float64).toBe(want.isFloat);
    });
  }
});

// Go's isEmptyTests.
const isEmptyTests: [string, string, boolean][] = [
  ["empty", ``, true],
  ["nonempty", `hello`, false],
  ["spaces only", " \t\n \t\n", true],
  ["comment only", "{{/* comment */}}", true],
  ["definition", `{{define "x"}}something{{end}}`, true],
  ["definitions and space", "{{define `x`}}something{{end}}\n\n{{define `y`}}something{{end}}\n\n", true],
  ["definitions and text", "{{define `x`}}something{{end}}\nx\n{{define `y`}}something{{end}}\ny\n", false],
  ["definition and action", "{{define `x`}}something{{end}}{{if 3}}foo{{end}}", false],
];

describe("Go isEmptyTests", () => {
  for (const [name, input, empty] of isEmptyTests) {
    test(name, () => expect(isEmptyTree(parseTree("root", input).root)).toBe(empty));
  }
});

describe("block and define in a set", () => {
  test("block defines its template and calls it (Go TestBlock)", () => {
    const set = new TemplateSet();
    set.parse("outer", `a{{block "inner" .}}bar{{.}}baz{{end}}b`);
    expect(nodeString(parseTree("outer", `a{{block "inner" .}}bar{{.}}baz{{end}}b`).root)).toBe(`a{{template "inner" .}}b`);
    expect(set.names()).toEqual(["inner", "outer"]);
    expect(set.execute("outer", "hello")).toBe("abarhellobazb");
    set.parse("overlay", `{{define "inner"}}foo({{.}})bar{{end}}`);
    expect(set.execute("outer", "goodbye")).toBe("afoo(goodbye)barb");
  });
});
