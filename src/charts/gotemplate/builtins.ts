// Go's builtin template functions (text/template/funcs.go) other than
// and/or, which exec.ts evaluates lazily. Errors are thrown as plain
// Errors; the executor reports them as "error calling NAME: ...".
import { htmlEscape, jsEscape, urlQueryEscape } from "./escape.ts";
import { formatValue, sprint, sprintf, sprintln } from "./fmt.ts";
import { compareGoStrings, goTypeName, isGoMap, isTrue, mapGet, utf8Bytes, utf8Decode, utf8Length } from "./values.ts";

export const builtinNames = new Set([
  "and",
  "call",
  "html",
  "index",
  "slice",
  "js",
  "len",
  "not",
  "or",
  "print",
  "printf",
  "println",
  "urlquery",
  "eq",
  "ge",
  "gt",
  "le",
  "lt",
  "ne",
]);

const fail = (msg: string): never => {
  throw new Error(msg);
};

const isNil = (v: unknown): boolean => v === null || v === undefined;

function indexArg(index: unknown, cap: number): number {
  if (isNil(index)) fail("cannot index slice/array with nil");
  if (typeof index !== "bigint") fail(`cannot index slice/array with type ${goTypeName(index)}`);
  const x = index as bigint;
  if (x < 0n || x > BigInt(cap)) fail(`index out of range: ${x}`);
  return Number(x);
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) fail("index of untyped nil");
  for (const idx of indexes) {
    if (isNil(item)) fail("index of nil pointer");
    if (Array.isArray(item)) {
      const x = indexArg(idx, item.length);
      if (x === item.length) fail("reflect: slice index out of range");
      item = item[x] === undefined ? null : item[x];
    } else if (typeof item === "string") {
      const bytes = utf8Bytes(item);
      const x = indexArg(idx, bytes.length);
      if (x === bytes.length) fail("reflect: string index out of range");
      item = BigInt(bytes[x]!);
    } else if (isGoMap(item)) {
      if (isNil(idx)) fail("value is nil; should be of type string");
      if (typeof idx !== "string") fail(`value has type ${goTypeName(idx)}; should be string`);
      item = mapGet(item, idx as string).value ?? null; // a missing key gives the zero value, nil
    } else {
      fail(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (isNil(item)) fail("slice of untyped nil");
  if (indexes.length > 3) fail(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let bytes: Uint8Array | undefined;
  if (typeof item === "string") {
    if (indexes.length === 3) fail("cannot 3-index slice a string");
    bytes = utf8Bytes(item);
    cap = bytes.length;
  } else if (Array.isArray(item)) cap = item.length;
  else return fail(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, cap, 0];
  indexes.forEach((v, i) => (idx[i] = indexArg(v, cap)));
  if (idx[0]! > idx[1]!) fail(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) fail(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes) return utf8Decode(bytes.slice(idx[0], idx[1]));
  return (item as unknown[]).slice(idx[0], idx[1]);
}

function length(item: unknown): bigint {
  if (item === null) fail("len of nil pointer");
  if (item === undefined) fail("reflect: call of reflect.Value.Type on zero Value");
  if (typeof item === "string") return BigInt(utf8Length(item));
  if (Array.isArray(item)) return BigInt(item.length);
  if (isGoMap(item)) return BigInt(Object.keys(item).length);
  return fail(`len of type ${goTypeName(item)}`);
}

function call(name: string, fn: unknown, ...args: unknown[]): unknown {
  if (isNil(fn)) fail("call of nil");
  if (typeof fn !== "function") fail(`non-function ${name} of type ${goTypeName(fn)}`);
  const result = (fn as (...a: unknown[]) => unknown)(...args.map((a) => (a === undefined ? null : a)));
  return result === undefined ? null : result;
}

// --- comparison ---

type Kind = "invalid" | "bool" | "int" | "float" | "string";

function basicKind(v: unknown): Kind {
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
  }
  return "invalid";
}

/** reflect.Kind-like classes for the non-basic values eq may meet. */
function reflectKind(v: unknown): string {
  if (isNil(v)) return "invalid";
  if (Array.isArray(v)) return "slice";
  if (isGoMap(v)) return "map";
  if (typeof v === "function") return "func";
  return "ptr";
}

const comparable = (v: unknown): boolean => !(Array.isArray(v) || isGoMap(v) || typeof v === "function");

function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg2.length === 0) fail("missing argument for comparison");
  const k1 = basicKind(arg1);
  for (const arg of arg2) {
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (!isNil(arg1) && !isNil(arg)) fail(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg)}`);
    } else if (k1 !== "invalid") {
      truth = arg1 === arg;
    } else {
      const c1 = reflectKind(arg1);
      const c2 = reflectKind(arg);
      if (c1 !== c2 && c1 !== "invalid" && c2 !== "invalid") {
        fail(`non-comparable types ${sprintf("%s", arg1)}: ${goTypeName(arg1)}, ${goTypeName(arg)}: ${formatValue(arg)}`);
      }
      if (isNil(arg1) || isNil(arg)) truth = isNil(arg1) === isNil(arg);
      else {
        if (!comparable(arg)) fail(`non-comparable type ${sprintf("%s", arg)}: ${goTypeName(arg)}`);
        truth = arg1 === arg;
      }
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = basicKind(arg1);
  if (k1 === "invalid") fail("invalid type for comparison");
  const k2 = basicKind(arg2);
  if (k2 === "invalid") fail("invalid type for comparison");
  if (k1 !== k2) fail(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg2)}`);
  switch (k1) {
    case "bool":
      return fail("invalid type for comparison");
    case "string":
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
    default:
      return (arg1 as number) < (arg2 as number);
  }
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

/** The text html/js/urlquery escape: one string as is, else fmt.Sprint with nil as "<no value>". */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return sprint(...args.map((a) => (isNil(a) ? "<no value>" : a)));
}

export function callBuiltin(name: string, argv: unknown[], calleeName: string): unknown {
  switch (name) {
    case "not":
      return !isTrue(argv[0]);
    case "call":
      return call(calleeName, argv[0], ...argv.slice(1));
    case "html":
      return htmlEscape(evalArgs(argv));
    case "js":
      return jsEscape(evalArgs(argv));
    case "urlquery":
      return urlQueryEscape(evalArgs(argv));
    case "index":
      return index(argv[0], ...argv.slice(1));
    case "slice":
      return slice(argv[0], ...argv.slice(1));
    case "len":
      return length(argv[0]);
    case "print":
      return sprint(...argv);
    case "println":
      return sprintln(...argv);
    case "printf":
      return sprintf(argv[0] as string, ...argv.slice(1));
    case "eq":
      return eq(argv[0], ...argv.slice(1));
    case "ne":
      return !eq(argv[0], argv[1]);
    case "lt":
      return lt(argv[0], argv[1]);
    case "le":
      return le(argv[0], argv[1]);
    case "gt":
      return !le(argv[0], argv[1]);
    case "ge":
      return !lt(argv[0], argv[1]);
  }
  return fail(`unknown builtin ${name}`);
}
