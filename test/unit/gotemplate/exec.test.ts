// Go's text/template exec_test.go execTests, ported to skiff's value model.
// Cases that test Go's static parameter types, complex numbers, channels,
// pointers or iterators have no counterpart here and are left out.
import { describe, expect, test } from "bun:test";
import { TemplateSet } from "../../../src/charts/gotemplate/index.ts";
import { Pair, tVal, testFuncs } from "./go-test-data.ts";

type Want = string | { error: string };
type Case = [name: string, input: string, data: unknown, want: Want];
const err = (error: string) => ({ error });

const execTests: Case[] = [
  // Trivial cases.
  ["empty", "", null, ""],
  ["text", "some text", null, "some text"],
  ["nil action", "{{nil}}", null, err("nil is not a command")],
  // Ideal constants.
  ["ideal int", "{{typeOf 3}}", 0n, "int"],
  ["ideal float", "{{typeOf 1.0}}", 0n, "float64"],
  ["ideal exp float", "{{typeOf 1e1}}", 0n, "float64"],
  ["ideal int max", "{{typeOf 0x7fffffffffffffff}}", 0n, "int"],
  ["ideal too big", "{{typeOf 0x8000000000000000}}", 0n, err("0x8000000000000000 overflows int")],
  // Fields of structs.
  [".X", "-{{.X}}-", tVal, "-x-"],
  [".U.V", "-{{.U.V}}-", tVal, "-v-"],
  [".Unknown field", "{{.Unknown}}", tVal, err("can't evaluate field Unknown in type *T")],
  // Fields on maps.
  ["map .one", "{{.MSI.one}}", tVal, "1"],
  ["map .two", "{{.MSI.two}}", tVal, "2"],
  ["map .NO", "{{.MSI.NO}}", tVal, "<no value>"],
  ["map .one interface", "{{.MXI.one}}", tVal, "1"],
  ["map .WRONG args", "{{.MSI.one 1}}", tVal, err("one is not a method but has arguments")],
  // Dots of all kinds to test basic evaluation.
  ["dot int", "<{{.}}>", 13n, "<13>"],
  ["dot float", "<{{.}}>", 15.1, "<15.1>"],
  ["dot bool", "<{{.}}>", true, "<true>"],
  ["dot string", "<{{.}}>", "hello", "<hello>"],
  ["dot slice", "<{{.}}>", [-1n, -2n, -3n], "<[-1 -2 -3]>"],
  ["dot map", "<{{.}}>", { two: 22n }, "<map[two:22]>"],
  ["dot struct", "<{{.}}>", new Pair(7n, "seven"), "<{7 seven}>"],
  // Variables.
  ["$ int", "{{$}}", 123n, "123"],
  ["$.I", "{{$.I}}", tVal, "17"],
  ["$.U.V", "{{$.U.V}}", tVal, "v"],
  ["declare in action", "{{$x := $.U.V}}{{$x}}", tVal, "v"],
  ["simple assignment", "{{$x := 2}}{{$x = 3}}{{$x}}", tVal, "3"],
  ["nested assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", tVal, "3"],
  [
    "nested assignment changes the last declaration",
    "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}",
    tVal,
    "1",
  ],
  // Types with String and Error methods.
  ["V{6666}.String()", "-{{.V0}}-", tVal, "-<6666>-"],
  ["W{888}.Error()", "-{{.W0}}-", tVal, "-[888]-"],
  // Empty interfaces holding values.
  ["empty nil", "{{.Empty0}}", tVal, "<no value>"],
  ["empty with int", "{{.Empty1}}", tVal, "3"],
  ["empty with string", "{{.Empty2}}", tVal, "empty2"],
  ["empty with slice", "{{.Empty3}}", tVal, "[7 8]"],
  ["empty with struct", "{{.Empty4}}", tVal, "{UinEmpty}"],
  ["empty with struct, field", "{{.Empty4.V}}", tVal, "UinEmpty"],
  // Edge cases with <no value> with an interface value.
  ["field on interface", "{{.foo}}", null, "<no value>"],
  ["field on parenthesized interface", "{{(.).foo}}", null, "<no value>"],
  // Issue 31810: parenthesized first element of pipeline with arguments.
  ["unparenthesized non-function", "{{1 2}}", null, err("can't give argument to non-function 1")],
  ["parenthesized non-function", "{{(1) 2}}", null, err("at <(1) 2>: can't give argument to non-function 1")],
  ["parenthesized non-function with no args", "{{(1)}}", null, "1"],
  // Method calls.
  [".Method0", "-{{.Method0}}-", tVal, "-M0-"],
  [".Method1(1234)", "-{{.Method1 1234}}-", tVal, "-1234-"],
  [".Method1(.I)", "-{{.Method1 .I}}-", tVal, "-17-"],
  [".Method2(3, .X)", "-{{.Method2 3 .X}}-", tVal, "-Method2: 3 x-"],
  [".Method2(.U16, `str`)", "-{{.Method2 .U16 `str`}}-", tVal, "-Method2: 16 str-"],
  [".Method2(.U16, $x)", "{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-", tVal, "-Method2: 16 x-"],
  [".Method3(nil constant)", "-{{.Method3 nil}}-", tVal, "-Method3: <nil>-"],
  [".Method3(nil value)", "-{{.Method3 .MXI.unset}}-", tVal, "-Method3: <nil>-"],
  ["method on var", "{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-", tVal, "-Method2: 16 x-"],
  [
    "method on chained var",
    "{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}",
    tVal,
    "true",
  ],
  [
    "chained method",
    "{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}",
    tVal,
    "true",
  ],
  ["chained method on variable", "{{with $x := .}}{{with .SI}}{{$.GetU.TrueFalse $.True}}{{end}}{{end}}", tVal, "true"],
  [".NilOKFunc not nil", "{{call .NilOKFunc .PI}}", tVal, "false"],
  [".NilOKFunc nil", "{{call .NilOKFunc nil}}", tVal, "true"],
  // Function call builtin.
  [".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", tVal, "[1=2]"],
  [".VariadicFunc0", "{{call .VariadicFunc}}", tVal, "<>"],
  [".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", tVal, "<he+llo>"],
  [".VariadicFuncInt", "{{call .VariadicFuncInt 33 `he` `llo`}}", tVal, "33=<he+llo>"],
  ["if .BinaryFunc call", "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}", tVal, "[1=2]"],
  ["if not .BinaryFunc call", "{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}", tVal, "No"],
  [".ErrFunc", "{{call .ErrFunc}}", tVal, "bla"],
  ["call nil", "{{call nil}}", tVal, err("error calling call: call of nil")],
  ["empty call", "{{call}}", tVal, err("wrong number of args for call: want at least 1 got 0")],
  ["empty call after pipe valid", "{{.ErrFunc | call}}", tVal, "bla"],
  ["empty call after pipe invalid", "{{1 | call}}", tVal, err("error calling call: non-function <int Value> of type int")],
  // Pipelines.
  ["pipeline", "-{{.Method0 | .Method2 .U16}}-", tVal, "-Method2: 16 M0-"],
  ["pipeline func", "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-", tVal, "-<he+<llo>>-"],
  // Nil values aren't missing arguments.
  ["nil pipeline", "{{ .Empty0 | call .NilOKFunc }}", tVal, "true"],
  ["nil call arg", "{{ call .NilOKFunc .Empty0 }}", tVal, "true"],
  // Parenthesized expressions.
  ["parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", tVal, "1 5 15"],
  ["parens: $ in paren", "{{($).X}}", tVal, "x"],
  ["parens: $.GetU in paren", "{{($.GetU).V}}", tVal, "v"],
  ["parens: $ in paren in pipe", "{{($ | echo).X}}", tVal, "x"],
  ["parens: spaces and args", `{{(makemap "up" "down" "left" "right").left}}`, tVal, "right"],
  // If.
  ["if true", "{{if true}}TRUE{{end}}", tVal, "TRUE"],
  ["if false", "{{if false}}TRUE{{else}}FALSE{{end}}", tVal, "FALSE"],
  ["if nil", "{{if nil}}TRUE{{end}}", tVal, err("nil is not a command")],
  ["if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", tVal, "NON-ZERO"],
  ["if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", tVal, "ZERO"],
  ["if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", tVal, "NON-ZERO"],
  ["if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", tVal, "ZERO"],
  ["if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", tVal, "NON-EMPTY"],
  ["if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", tVal, "NON-EMPTY"],
  ["if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", tVal, "NON-EMPTY"],
  ["if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", tVal, "ZERO"],
  ["if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", tVal, "ZERO"],
  ["if $x with $y int", "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}", tVal, "true,17"],
  ["if $x with $x int", "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", tVal, "17,true"],
  ["if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", tVal, "TRUE"],
  ["if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", tVal, "3"],
  // Print etc.
  ["print", `{{print "hello, print"}}`, tVal, "hello, print"],
  ["print 123", `{{print 1 2 3}}`, tVal, "1 2 3"],
  ["print nil", `{{print nil}}`, tVal, "<nil>"],
  ["println", `{{println 1 2 3}}`, tVal, "1 2 3\n"],
  ["printf int", `{{printf "%04x" 127}}`, tVal, "007f"],
  ["printf float", `{{printf "%g" 3.5}}`, tVal, "3.5"],
  ["printf string", `{{printf "%s" "hello"}}`, tVal, "hello"],
  ["printf function", `{{printf "%#q" zeroArgs}}`, tVal, "`zeroArgs`"],
  ["printf field", `{{printf "%s" .U.V}}`, tVal, "v"],
  ["printf method", `{{printf "%s" .Method0}}`, tVal, "M0"],
  ["printf dot", `{{with .I}}{{printf "%d" .}}{{end}}`, tVal, "17"],
  ["printf var", `{{with $x := .I}}{{printf "%d" $x}}{{end}}`, tVal, "17"],
  ["printf lots", `{{printf "%d %s %g %s" 127 "hello" 7.5 .Method0}}`, tVal, "127 hello 7.5 M0"],
  // HTML.
  ["html", `{{html "<script>alert(\\"XSS\\");</script>"}}`, null, "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;"],
  ["html pipeline", `{{printf "<script>alert(\\"XSS\\");</script>" | html}}`, null, "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;"],
  ["html string field", `{{html .PS}}`, tVal, "a string"],
  ["html untyped nil", `{{html .Empty0}}`, tVal, "&lt;no value&gt;"],
  // JavaScript.
  ["js", `{{js .}}`, `It'd be nice.`, `It\\'d be nice.`],
  // URL query.
  ["urlquery", `{{"http://www.example.org/"|urlquery}}`, null, "http%3A%2F%2Fwww.example.org%2F"],
  // Booleans.
  ["not", "{{not true}} {{not false}}", null, "false true"],
  ["and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", null, "false 0 0 1"],
  ["or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", null, "0 1 true 1"],
  ["or short-circuit", "{{or 0 1 (die)}}", null, "1"],
  ["and short-circuit", "{{and 1 0 (die)}}", null, "0"],
  ["or short-circuit2", "{{or 0 0 (die)}}", null, err("error calling die: die")],
  ["and short-circuit2", "{{and 1 1 (die)}}", null, err("error calling die: die")],
  ["and pipe-true", "{{1 | and 1}}", null, "1"],
  ["and pipe-false", "{{0 | and 1}}", null, "0"],
  ["or pipe-true", "{{1 | or 0}}", null, "1"],
  ["or pipe-false", "{{0 | or 0}}", null, "0"],
  ["and undef", "{{and 1 .Unknown}}", null, "<no value>"],
  ["or undef", "{{or 0 .Unknown}}", null, "<no value>"],
  ["boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", tVal, "TRUE"],
  ["boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", null, "FALSE"],
  ["boolean if pipe", "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", null, "FALSE"],
  // Indexing.
  ["slice[0]", "{{index .SI 0}}", tVal, "3"],
  ["slice[1]", "{{index .SI 1}}", tVal, "4"],
  ["slice[HUGE]", "{{index .SI 10}}", tVal, err("error calling index: index out of range: 10")],
  ["slice[WRONG]", "{{index .SI `hello`}}", tVal, err("cannot index slice/array with type string")],
  ["slice[nil]", "{{index .SI nil}}", tVal, err("cannot index slice/array with nil")],
  ["map[one]", "{{index .MSI `one`}}", tVal, "1"],
  ["map[two]", "{{index .MSI `two`}}", tVal, "2"],
  ["map[NO] (interface element)", "{{index .MSI `XXX`}}", tVal, "<no value>"],
  ["map[nil]", "{{index .MSI nil}}", tVal, err("value is nil; should be of type string")],
  ["map[``]", "{{index .MSI ``}}", tVal, "<no value>"],
  ["map[WRONG]", "{{index .MSI 10}}", tVal, err("value has type int; should be string")],
  ["double index", "{{index .SMSI 1 `eleven`}}", tVal, "11"],
  ["nil[1]", "{{index nil 1}}", tVal, err("index of untyped nil")],
  ["index of an interface field", "{{index .Empty3 0}}", tVal, "7"],
  // Slicing.
  ["slice[:]", "{{slice .SI}}", tVal, "[3 4 5]"],
  ["slice[1:]", "{{slice .SI 1}}", tVal, "[4 5]"],
  ["slice[1:2]", "{{slice .SI 1 2}}", tVal, "[4]"],
  ["slice[-1:]", "{{slice .SI -1}}", tVal, err("index out of range: -1")],
  ["slice[1:-2]", "{{slice .SI 1 -2}}", tVal, err("index out of range: -2")],
  ["slice[1:2:-1]", "{{slice .SI 1 2 -1}}", tVal, err("index out of range: -1")],
  ["slice[2:1]", "{{slice .SI 2 1}}", tVal, err("invalid slice index: 2 > 1")],
  ["slice[2:2:1]", "{{slice .SI 2 2 1}}", tVal, err("invalid slice index: 2 > 1")],
  ["out of range", "{{slice .SI 4 5}}", tVal, err("index out of range: 4")],
  ["out of range 3", "{{slice .SI 2 2 5}}", tVal, err("index out of range: 5")],
  ["array[:]", "{{slice .AI}}", tVal, "[3 4 5]"],
  ["array[1:]", "{{slice .AI 1}}", tVal, "[4 5]"],
  ["array[1:2]", "{{slice .AI 1 2}}", tVal, "[4]"],
  ["string[:]", "{{slice .S}}", tVal, "xyz"],
  ["string[0:1]", "{{slice .S 0 1}}", tVal, "x"],
  ["string[1:]", "{{slice .S 1}}", tVal, "yz"],
  ["string[1:2]", "{{slice .S 1 2}}", tVal, "y"],
  ["string out of range", "{{slice .S 1 5}}", tVal, err("index out of range: 5")],
  ["3-index slice of string", "{{slice .S 1 2 2}}", tVal, err("cannot 3-index slice a string")],
  ["slice of an interface field", "{{slice .Empty3 0 1}}", tVal, "[7]"],
  // Len.
  ["len slice", "{{len .SI}}", tVal, "3"],
  ["len map", "{{len .MSI }}", tVal, "3"],
  ["len of int", "{{len 3}}", tVal, err("error calling len: len of type int")],
  ["len of nothing", "{{len .Empty0}}", tVal, err("error calling len: len of nil pointer")],
  ["len of an interface field", "{{len .Empty3}}", tVal, "2"],
  // With.
  ["with true", "{{with true}}{{.}}{{end}}", tVal, "true"],
  ["with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", tVal, "FALSE"],
  ["with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", tVal, "1"],
  ["with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", tVal, "ZERO"],
  ["with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", tVal, "1.5"],
  ["with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", tVal, "ZERO"],
  ["with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", tVal, "notempty"],
  ["with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", tVal, "[3 4 5]"],
  ["with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", tVal, "map[one:1]"],
  ["with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", tVal, "UinEmpty"],
  ["with $x int", "{{with $x := .I}}{{$x}}{{end}}", tVal, "17"],
  ["with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", tVal, "v"],
  ["with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", tVal, "v"],
  ["with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", tVal, "true"],
  ["with else with chain", "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}", tVal, "notempty"],
  // Range.
  ["range []int", "{{range .SI}}-{{.}}-{{end}}", tVal, "-3--4--5-"],
  ["range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", tVal, ""],
  ["range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", tVal, "-3--4--5-"],
  ["range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["range []int break else", "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}", tVal, "-3-"],
  ["range []int continue else", "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}", tVal, "-3--4--5-"],
  ["range []bool", "{{range .SB}}-{{.}}-{{end}}", tVal, "-true--false-"],
  ["range []int method", "{{range .SI | .MAdd .I}}-{{.}}-{{end}}", tVal, "-20--21--22-"],
  ["range map", "{{range .MSI}}-{{.}}-{{end}}", tVal, "-1--3--2-"],
  ["range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", tVal, ""],
  ["range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", tVal, "-1--3--2-"],
  ["range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", tVal, "EMPTY"],
  ["range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", tVal, "-7--8-"],
  ["range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", tVal, ""],
  ["range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", tVal, "<3><4><5>"],
  ["range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", tVal, "<0=3><1=4><2=5>"],
  ["range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", tVal, "<1>"],
  ["range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", tVal, "<one=1>"],
  ["range $x PSI", "{{range $x := .PSI}}<{{$x}}>{{end}}", tVal, "<21><22><23>"],
  ["declare in range", "{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}", tVal, "<21><22><23>"],
  ["range int", `{{range $v := .}}{{printf "%T%d" $v $v}}{{end}}`, 5n, "int0int1int2int3int4"],
  ["range 5", `{{range $v := 5}}{{printf "%T%d" $v $v}}{{end}}`, null, "int0int1int2int3int4"],
  ["range int 0 else", `{{range $v := .}}{{print $v}}{{else}}empty{{end}}`, 0n, "empty"],
  ["range int two vars", `{{range $i, $v := 3}}{{$v}}{{end}}`, null, err("can't use 3 to iterate over more than one variable")],
  ["range float", `{{range .}}x{{end}}`, 2.5, err("range can't iterate over 2.5")],
  // Cute examples.
  ["or as if true", `{{or .SI "slice is empty"}}`, tVal, "[3 4 5]"],
  ["or as if false", `{{or .SIEmpty "slice is empty"}}`, tVal, "slice is empty"],
  // Error handling.
  ["error method, error", "{{.MyError true}}", tVal, err("error calling MyError: my error")],
  ["error method, no error", "{{.MyError false}}", tVal, "false"],
  // Numbers.
  ["decimal", "{{print 1234}}", tVal, "1234"],
  ["decimal _", "{{print 12_34}}", tVal, "1234"],
  ["binary", "{{print 0b101}}", tVal, "5"],
  ["binary _", "{{print 0b_1_0_1}}", tVal, "5"],
  ["BINARY", "{{print 0B101}}", tVal, "5"],
  ["octal0", "{{print 0377}}", tVal, "255"],
  ["octal", "{{print 0o377}}", tVal, "255"],
  ["octal _", "{{print 0o_3_7_7}}", tVal, "255"],
  ["OCTAL", "{{print 0O377}}", tVal, "255"],
  ["hex", "{{print 0x123}}", tVal, "291"],
  ["hex _", "{{print 0x1_23}}", tVal, "291"],
  ["HEX", "{{print 0X123ABC}}", tVal, "1194684"],
  ["float", "{{print 123.4}}", tVal, "123.4"],
  ["float _", "{{print 0_0_1_2_3.4}}", tVal, "123.4"],
  ["hex float", "{{print +0x1.ep+2}}", tVal, "7.5"],
  ["hex float _", "{{print +0x_1.e_0p+0_2}}", tVal, "7.5"],
  ["HEX float", "{{print +0X1.EP+2}}", tVal, "7.5"],
  ["print multi", "{{print 1_2_3_4 7.5_00_00_00}}", tVal, "1234 7.5"],
  ["print multi2", "{{print 1234 0x0_1.e_0p+02}}", tVal, "1234 7.5"],
  // Fixed bugs.
  ["bug0", "{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}", tVal, "X"],
  ["bug3", "{{with $}}{{.Method0}}{{end}}", tVal, "M0"],
  ["bug4", "{{if .Empty0}}non-nil{{else}}nil{{end}}", tVal, "nil"],
  ["bug7a", "{{3 2}}", tVal, err("can't give argument to non-function 3")],
  ["bug7b", "{{$x := 1}}{{$x 2}}", tVal, err("can't give argument to non-function $x")],
  ["bug7c", "{{$x := 1}}{{3 | $x}}", tVal, err("can't give argument to non-function $x")],
  ["bug9", "{{.cause}}", { cause: "neglect" }, "neglect"],
  ["bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", 0n, "3-3"],
  ["bug12xe", "{{printf `%T` 0xef}}", null, "int"],
  ["bug12xE", "{{printf `%T` 0xEE}}", null, "int"],
  ["bug12Xe", "{{printf `%T` 0Xef}}", null, "int"],
  ["bug12XE", "{{printf `%T` 0XEE}}", null, "int"],
  ["bug13", "{{print (.Copy).I}}", tVal, "17"],
  ["bug14a", "{{(nil).True}}", tVal, err("nil is not a command")],
  ["bug14b", "{{$x := nil}}{{$x.anything}}", tVal, err("nil is not a command")],
  ["bug14c", `{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}`, tVal, err("can't evaluate field anything in type float64")],
  ["bug16a", "{{true|printf}}", tVal, err("wrong type for value; expected string; got bool")],
  ["bug16b", "{{1|printf}}", tVal, err("wrong type for value; expected string; got int")],
  ["bug16c", "{{1.1|printf}}", tVal, err("wrong type for value; expected string; got float64")],
  ["bug16d", "{{'x'|printf}}", tVal, err("wrong type for value; expected string; got int")],
  ["bug16g", '{{"aaa" |twoArgs "bbb"}}', tVal, "twoArgs=bbbaaa"],
  ["bug16k", '{{"aaa"|printf }}', tVal, "aaa"],
  ["bug18a", "{{eq . '.'}}", 46n, "true"],
  ["bug18b", "{{eq . 'e'}}", 101n, "true"],
  ["bug18c", "{{eq . 'P'}}", 80n, "true"],
  ["issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}", tVal, "5"],
  ["issue60801", "{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}", tVal, "0=3 1=4 2=5 "],
];

function run(input: string, data: unknown, name = "t"): string {
  const set = new TemplateSet({ funcs: testFuncs });
  set.parse(name, input);
  return set.execute(name, data);
}

describe("Go execTests", () => {
  for (const [name, input, data, want] of execTests) {
    test(name, () => {
      if (typeof want === "string") expect(run(input, data, name)).toBe(want);
      else expect(() => run(input, data, name)).toThrow(want.error);
    });
  }
});

// Go's cmpTests: comparisons inside {{if}} with the cmpStruct data.
const cmpData = { Uthree: 3n, Ufour: 4n, NegOne: -1n, Three: 3n, Map: null, NonNilMap: {}, Slice: [1n] };
const cmpTests: [expr: string, truth: string | null][] = [
  ["eq true true", "true"],
  ["eq true false", "false"],
  ["eq 1.5 1.5", "true"],
  ["eq 1.5 2.5", "false"],
  ["eq 1 1", "true"],
  ["eq 1 2", "false"],
  ["eq `xy` `xy`", "true"],
  ["eq `xy` `xyz`", "false"],
  ["eq .Uthree .Uthree", "true"],
  ["eq .Uthree .Ufour", "false"],
  ["eq 3 4 5 6 3", "true"],
  ["eq 3 4 5 6 7", "false"],
  ["ne true true", "false"],
  ["ne true false", "true"],
  ["ne 1.5 1.5", "false"],
  ["ne 1.5 2.5", "true"],
  ["ne 1 1", "false"],
  ["ne 1 2", "true"],
  ["ne `xy` `xy`", "false"],
  ["ne `xy` `xyz`", "true"],
  ["lt 1.5 1.5", "false"],
  ["lt 1.5 2.5", "true"],
  ["lt 1 1", "false"],
  ["lt 1 2", "true"],
  ["lt `xy` `xy`", "false"],
  ["lt `xy` `xyz`", "true"],
  ["le 1.5 1.5", "true"],
  ["le 2.5 1.5", "false"],
  ["le 1 2", "true"],
  ["le 2 1", "false"],
  ["le `xyz` `xy`", "false"],
  ["gt 1.5 1.5", "false"],
  ["gt 2 1", "true"],
  ["gt `xy` `xyz`", "false"],
  ["ge 1.5 2.5", "false"],
  ["ge 2.5 1.5", "true"],
  ["ge 1 1", "true"],
  ["ge `xyz` `xy`", "true"],
  ["eq .NegOne .Uthree", "false"],
  ["lt .NegOne .Uthree", "true"],
  ["eq (index `x` 0) 'x'", "true"],
  ["eq (index `x` 0) 'y'", "false"],
  ["eq .Map .Map", "true"],
  ["eq .Map nil", "true"],
  ["eq nil .Map", "true"],
  ["eq .Map .NonNilMap", "false"],
  // Errors.
  ["eq `xy` 1", null],
  ["eq 2 2.0", null],
  ["lt true true", null],
  ["eq .NonNilMap .NonNilMap", null],
  ["eq .Slice .NonNilMap", null],
  ["lt .Map 1", null],
];

describe("Go cmpTests", () => {
  for (const [expr, truth] of cmpTests) {
    test(expr, () => {
      const text = `{{if ${expr}}}true{{else}}false{{end}}`;
      if (truth === null) expect(() => run(text, cmpData)).toThrow("error calling");
      else expect(run(text, cmpData)).toBe(truth);
    });
  }
});

// Go's TestInterfaceValues: values reached through interface{} map entries.
const ifaceData = { PlusOne: (n: bigint) => n + 1n, Slice: [0n, 1n, 2n, 3n], One: 1n, Two: 2n, Nil: null, Zero: 0n };
const ifaceTests: [string, string][] = [
  ["{{index .Nil 1}}", "ERROR: index of untyped nil"],
  ["{{index .Slice 2}}", "2"],
  ["{{index .Slice .Two}}", "2"],
  ["{{call .Nil 1}}", "ERROR: call of nil"],
  ["{{call .PlusOne 1}}", "2"],
  ["{{call .PlusOne .One}}", "2"],
  ["{{and (index .Slice 0) true}}", "0"],
  ["{{and .Zero true}}", "0"],
  ["{{and (index .Slice 1) false}}", "false"],
  ["{{and .One false}}", "false"],
  ["{{or (index .Slice 0) false}}", "false"],
  ["{{or .Zero false}}", "false"],
  ["{{or (index .Slice 1) true}}", "1"],
  ["{{or .One true}}", "1"],
  ["{{not (index .Slice 0)}}", "true"],
  ["{{not .Zero}}", "true"],
  ["{{not (index .Slice 1)}}", "false"],
  ["{{not .One}}", "false"],
  ["{{eq (index .Slice 0) .Zero}}", "true"],
  ["{{eq (index .Slice 1) .One}}", "true"],
  ["{{ne (index .Slice 0) .Zero}}", "false"],
  ["{{ne (index .Slice 1) .One}}", "false"],
  ["{{ge (index .Slice 0) .One}}", "false"],
  ["{{ge (index .Slice 1) .Zero}}", "true"],
  ["{{gt (index .Slice 0) .One}}", "false"],
  ["{{gt (index .Slice 1) .Zero}}", "true"],
  ["{{le (index .Slice 0) .One}}", "true"],
  ["{{le (index .Slice 1) .Zero}}", "false"],
  ["{{lt (index .Slice 0) .One}}", "true"],
  ["{{lt (index .Slice 1) .Zero}}", "false"],
];

describe("Go TestInterfaceValues", () => {
  for (const [text, out] of ifaceTests) {
    test(text, () => {
      if (out.startsWith("ERROR:")) expect(() => run(text, ifaceData)).toThrow(out.slice("ERROR:".length).trim());
      else expect(run(text, ifaceData)).toBe(out);
    });
  }
});
