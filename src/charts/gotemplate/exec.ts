// Template execution, a port of text/template/exec.go for the JS value model.
// Internally `undefined` is Go's invalid value ("<no value>") and `null` a nil
// interface; a pipeline's result turns nil into invalid, as Go's does.
import { TemplateError } from "./errors.ts";
import { formatValue } from "./fmt.ts";
import type { ParsedTree } from "./parser.ts";
import {
  nodeString,
  type ArgNode,
  type BranchNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type VariableNode,
} from "./nodes.ts";
import { quote } from "./quote.ts";
import { callBuiltin, builtinNames } from "./builtins.ts";
import { goTypeName, isGoMap, isGoStruct, isTrue, mapGet, sortedKeys, utf8Length } from "./values.ts";

export type MissingKey = "default" | "zero" | "error";
export type TemplateFunc = (...args: any[]) => unknown;

/** What an execution needs from its template set. */
export interface ExecEnv {
  lookup(name: string): ParsedTree | undefined;
  func(name: string): TemplateFunc | undefined;
  missingKey: MissingKey;
}

/** Go's limit on nested {{template}} calls. */
export const maxExecDepth = 100000;

const NO_FINAL = Symbol("no final value");
type Final = unknown;
const BREAK = Symbol("break");
const CONTINUE = Symbol("continue");

interface Variable {
  name: string;
  value: unknown;
}

/** Where a node sits, as Go's ErrorContext prints it: NAME:LINE:BYTECOL. */
function location(n: Node): string {
  const text = n.src.text.slice(0, n.pos);
  const nl = text.lastIndexOf("\n");
  const col = utf8Length(nl === -1 ? text : text.slice(nl + 1));
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) line++;
  return `${n.src.parseName}:${line}:${col}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

class State {
  private vars: Variable[];
  private node: Node | null = null;

  constructor(
    private env: ExecEnv,
    private tmplName: string,
    private depth: number,
    private out: string[],
    dollar: unknown,
  ) {
    this.vars = [{ name: "$", value: dollar }];
  }

  private at(n: Node): void {
    this.node = n;
  }

  errorf(msg: string, cause?: unknown): never {
    if (!this.node) throw new TemplateError(`template: ${this.tmplName}: ${msg}`, cause);
    throw new TemplateError(`template: ${location(this.node)}: executing ${quote(this.tmplName)} at <${nodeString(this.node)}>: ${msg}`, cause);
  }

  // --- variables ---
  private push(name: string, value: unknown): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return this.errorf(`undefined variable: ${name}`);
  }

  // --- walking ---
  walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case "comment":
        return;
      case "if":
      case "with":
        return this.walkIfOrWith(dot, node);
      case "list":
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case "range":
        return this.walkRange(dot, node);
      case "template":
        return this.walkTemplate(dot, node);
      case "text":
        this.out.push(node.text);
        return;
      case "break":
        throw BREAK;
      case "continue":
        throw CONTINUE;
    }
    this.errorf(`unknown node: ${nodeString(node)}`);
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) this.walk(node.type === "with" ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: unknown, r: BranchNode): void {
    this.at(r);
    const outer = this.vars.length;
    try {
      let val = this.evalPipeline(dot, r.pipe);
      if (val === null) val = undefined;
      const mark = this.vars.length;
      const decl = r.pipe.decl;
      const oneIteration = (index: unknown, elem: unknown) => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = mark;
        }
      };
      let ran = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) oneIteration(BigInt(i), val[i] === undefined ? null : val[i]);
        ran = val.length > 0;
      } else if (isGoMap(val)) {
        const keys = sortedKeys(val);
        for (const k of keys) oneIteration(k, mapGet(val, k).value);
        ran = keys.length > 0;
      } else if (typeof val === "bigint") {
        if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
        for (let i = 0n; i < val; i++) oneIteration(i, i);
        ran = val > 0n;
      } else if (val !== undefined) {
        this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } catch (e) {
      if (e !== BREAK) throw e;
    } finally {
      this.vars.length = outer;
    }
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.at(t);
    const tree = this.env.lookup(t.name);
    if (!tree) this.errorf(`template ${quote(t.name)} not defined`);
    if (this.depth === maxExecDepth) this.errorf(`exceeded maximum template depth (${maxExecDepth})`);
    const newDot = this.evalPipeline(dot, t.pipe);
    // No dynamic scoping: the called template sees only $ = its dot.
    const inner = new State(this.env, tree.name, this.depth + 1, this.out, newDot);
    try {
      inner.walk(newDot, tree.root);
    } catch (e) {
      if (isStackOverflow(e)) {
        this.at(t);
        this.errorf(`exceeded maximum template depth (${maxExecDepth})`);
      }
      throw e;
    }
  }

  // --- evaluation ---
  evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (!pipe) return undefined;
    this.at(pipe);
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value === null) value = undefined; // an interface{} holding nil is no value
    }
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.push(v.ident[0]!, value);
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.errorf(`can't give argument to non-function ${nodeString(args[0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        return this.errorf("nil is not a command");
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    const num = n.num;
    const isHexInt = n.text.length > 2 && n.text[0] === "0" && (n.text[1] === "x" || n.text[1] === "X") && !/[pP]/.test(n.text);
    if (num.isComplex) return this.errorf(`complex constant ${n.text} is not supported`);
    if (num.isFloat && !isHexInt && n.text[0] !== "'" && /[.eEpP]/.test(n.text)) return num.float64;
    if (num.isInt) return num.int64;
    if (num.isUint) this.errorf(`${n.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[] | null, final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[] | null, final: Final): unknown {
    this.at(chain);
    if (chain.node.type === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: ArgNode[] | null, final: Final): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      if (args) this.notAFunction(args, final);
      else if (final !== NO_FINAL) this.notAFunction([v], final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: Node, ident: string[], args: ArgNode[] | null, final: Final): unknown {
    const n = ident.length;
    // A value looked up in a map has the map's element type, interface {} for chart values.
    let fromMap = false;
    for (let i = 0; i < n - 1; i++) {
      const wasMap = isGoMap(receiver);
      receiver = this.evalField(dot, ident[i]!, node, null, NO_FINAL, receiver, fromMap);
      fromMap = wasMap;
    }
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver, fromMap);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: ArgNode[] | null, final: Final): unknown {
    this.at(node);
    const name = node.ident;
    const fn = this.env.func(name);
    if (fn) return this.evalCall(dot, fn, cmd, name, args, final);
    if (builtinNames.has(name)) return this.evalBuiltin(dot, cmd, name, args, final);
    return this.errorf(`${quote(name)} is not a defined function`);
  }

  /** .Field on a map (key lookup) or on a class instance (field or method). */
  private evalField(dot: unknown, fieldName: string, node: Node, args: ArgNode[] | null, final: Final, receiver: unknown, fromMap = false): unknown {
    if (receiver === undefined) {
      if (this.env.missingKey === "error") this.errorf(`nil data; no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = (args !== null && args.length > 1) || final !== NO_FINAL;
    if (isGoMap(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const { found, value } = mapGet(receiver, fieldName);
      if (found) return value;
      if (this.env.missingKey === "zero") return null; // the zero value of interface{}
      if (this.env.missingKey === "error") this.errorf(`map has no entry for key ${quote(fieldName)}`);
      return undefined;
    }
    if (isGoStruct(receiver)) {
      const own = Object.prototype.hasOwnProperty.call(receiver, fieldName);
      const member = (receiver as Record<string, unknown>)[fieldName];
      // Functions on the prototype are methods; own properties are fields.
      if (!own && typeof member === "function") {
        return this.evalCall(dot, (member as TemplateFunc).bind(receiver), node, fieldName, args, final);
      }
      if (fieldName in receiver) {
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return member === undefined ? null : member;
      }
    }
    return this.errorf(`can't evaluate field ${fieldName} in type ${fromMap ? "interface {}" : goTypeName(receiver)}`);
  }

  /** A function from the FuncMap or a method: arguments as evaluated, nil as null. */
  private evalCall(dot: unknown, fn: TemplateFunc, node: Node, name: string, args: ArgNode[] | null, final: Final): unknown {
    const argNodes = args ? args.slice(1) : [];
    const argv = argNodes.map((a) => this.evalArg(dot, a));
    if (final !== NO_FINAL) argv.push(final);
    let result: unknown;
    try {
      result = fn(...argv.map((v) => (v === undefined ? null : v)));
    } catch (e) {
      this.at(node);
      this.errorf(`error calling ${name}: ${messageOf(e)}`, e);
    }
    return result === undefined ? null : result;
  }

  private evalBuiltin(dot: unknown, node: Node, name: string, args: ArgNode[] | null, final: Final): unknown {
    const argNodes = args ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== NO_FINAL ? 1 : 0);
    const arity = builtinArity[name]!;
    if (arity.variadic) {
      if (numIn < arity.fixed) this.errorf(`wrong number of args for ${name}: want at least ${arity.fixed} got ${argNodes.length}`);
    } else if (numIn !== arity.fixed) {
      this.errorf(`wrong number of args for ${name}: want ${arity.fixed} got ${numIn}`);
    }
    if (name === "and" || name === "or") {
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalBuiltinArg(dot, a);
        if (isTrue(v) === (name === "or")) return v;
      }
      if (final !== NO_FINAL) v = final;
      return v;
    }
    let argv: unknown[];
    if (name === "printf") {
      // printf's first parameter is a Go string; the rest are interface{}.
      argv = argNodes.map((a, i) => (i === 0 ? this.evalStringArg(dot, a) : nilToNull(this.evalArg(dot, a))));
      if (final !== NO_FINAL) argv.push(argNodes.length === 0 ? this.validateString(final) : nilToNull(final));
    } else {
      const interfaceArgs = name === "print" || name === "println" || name === "html" || name === "js" || name === "urlquery";
      argv = argNodes.map((a) => (interfaceArgs ? nilToNull(this.evalArg(dot, a)) : this.evalBuiltinArg(dot, a)));
      if (final !== NO_FINAL) argv.push(final);
    }
    const calleeName = name === "call" ? (argNodes.length > 0 ? nodeString(argNodes[0]!) : reflectValueString(final)) : "";
    try {
      return callBuiltin(name, argv, calleeName);
    } catch (e) {
      this.at(node);
      return this.errorf(`error calling ${name}: ${messageOf(e)}`, e);
    }
  }

  /** Builtins take reflect.Value: a literal nil arrives as the invalid value. */
  private evalBuiltinArg(dot: unknown, n: ArgNode): unknown {
    if (n.type === "nil") {
      this.at(n);
      return undefined;
    }
    return this.evalArg(dot, n);
  }

  private evalStringArg(dot: unknown, n: ArgNode): string {
    this.at(n);
    switch (n.type) {
      case "string":
        return n.text;
      case "nil":
        return this.errorf("cannot assign nil to string");
      case "bool":
      case "number":
        return this.errorf(`expected string; found ${nodeString(n)}`);
    }
    return this.validateString(this.evalArg(dot, n));
  }

  private validateString(v: unknown): string {
    if (v === undefined || v === null) return this.errorf("invalid value; expected string");
    if (typeof v !== "string") return this.errorf(`wrong type for value; expected string; got ${goTypeName(v)}`);
    return v;
  }

  evalArg(dot: unknown, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case "dot":
        return dot;
      case "nil":
        return null;
      case "field":
        return this.evalFieldNode(dot, n, [n], NO_FINAL);
      case "variable":
        return this.evalVariableNode(dot, n, null, NO_FINAL);
      case "pipe":
        return this.evalPipeline(dot, n);
      case "identifier":
        return this.evalFunction(dot, n, n, null, NO_FINAL);
      case "chain":
        return this.evalChainNode(dot, n, null, NO_FINAL);
      case "bool":
        return n.value;
      case "number":
        return this.idealConstant(n);
      case "string":
        return n.text;
    }
  }

  private printValue(n: Node, v: unknown): void {
    this.at(n);
    if (v === undefined || v === null) {
      this.out.push("<no value>");
      return;
    }
    if (typeof v === "function") this.errorf(`can't print ${nodeString(n)} of type ${goTypeName(v)}`);
    this.out.push(formatValue(v));
  }
}

const nilToNull = (v: unknown): unknown => (v === undefined ? null : v);

/** reflect.Value.String(): the string itself, otherwise "<T Value>". */
function reflectValueString(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "<invalid Value>";
  return `<${goTypeName(v)} Value>`;
}

const builtinArity: Record<string, { fixed: number; variadic: boolean }> = {
  and: { fixed: 1, variadic: true },
  or: { fixed: 1, variadic: true },
  not: { fixed: 1, variadic: false },
  call: { fixed: 1, variadic: true },
  html: { fixed: 0, variadic: true },
  js: { fixed: 0, variadic: true },
  urlquery: { fixed: 0, variadic: true },
  index: { fixed: 1, variadic: true },
  slice: { fixed: 1, variadic: true },
  len: { fixed: 1, variadic: false },
  print: { fixed: 0, variadic: true },
  println: { fixed: 0, variadic: true },
  printf: { fixed: 1, variadic: true },
  eq: { fixed: 1, variadic: true },
  ne: { fixed: 2, variadic: false },
  lt: { fixed: 2, variadic: false },
  le: { fixed: 2, variadic: false },
  gt: { fixed: 2, variadic: false },
  ge: { fixed: 2, variadic: false },
};

/** Execute the named template of env with dot = data. */
export function executeTemplate(env: ExecEnv, setName: string, name: string, data: unknown): string {
  const tree = env.lookup(name);
  if (!tree) throw new TemplateError(`template: no template ${quote(name)} associated with template ${quote(setName)}`);
  const dot = data === null ? undefined : data; // reflect.ValueOf(nil) is the invalid value
  const out: string[] = [];
  const state = new State(env, tree.name, 0, out, dot);
  try {
    state.walk(dot, tree.root);
  } catch (e) {
    if (isStackOverflow(e)) throw new TemplateError(`template: ${tree.name}: exceeded maximum template depth (${maxExecDepth})`);
    throw e;
  }
  return out.join("");
}

export type { ListNode };
