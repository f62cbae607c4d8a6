// Recursive-descent parser, a port of text/template/parse/parse.go.
// Error messages and the line numbers in them follow Go exactly.
import { TemplateError } from "./errors.ts";
import { Lexer, T, type Item } from "./lexer.ts";
import { parseCharConstant, parseNumber, SyntaxError_, unquote } from "./literals.ts";
import {
  isEmptyTree,
  nodeString,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type ListNode,
  type Node,
  type PipeNode,
  type Source,
  type TemplateNode,
  type VariableNode,
} from "./nodes.ts";
import { quote } from "./quote.ts";

/** One named template: the root of a top-level text or of a {{define}}. */
export interface ParsedTree {
  name: string;
  root: ListNode;
  src: Source;
}

interface Context {
  lex: Lexer;
  src: Source;
  treeSet: Map<string, ParsedTree>;
  hasFunction: (name: string) => boolean;
}

/** Deeply nested parentheses are refused rather than overflowing the stack. */
export const maxStackDepth = 10000;

const executableStarts = new Set<T>([
  T.Bool,
  T.CharConstant,
  T.Complex,
  T.Dot,
  T.Field,
  T.Identifier,
  T.Number,
  T.Nil,
  T.RawString,
  T.String,
  T.Variable,
  T.LeftParen,
]);

function itemString(i: Item): string {
  if (i.typ === T.EOF) return "EOF";
  if (i.typ === T.Error) return i.val;
  if (i.typ > T.Keyword) return `<${i.val}>`;
  const runes = Array.from(i.val);
  if (runes.length > 10) return quote(runes.slice(0, 10).join("")) + "...";
  return quote(i.val);
}

const placeholder: Item = { typ: T.EOF, pos: 0, val: "", line: 0 };

class TreeParser {
  private token: Item[] = [placeholder, placeholder, placeholder];
  private peekCount = 0;
  private vars: string[] = ["$"];
  private actionLine = 0;
  private rangeDepth = 0;
  private stackDepth = 0;
  root: ListNode | null = null;

  constructor(
    public name: string,
    private ctx: Context,
  ) {}

  // --- token buffer (three tokens of look-ahead, as in Go) ---
  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.ctx.lex.nextItem();
    return this.token[this.peekCount]!;
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item): void {
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.ctx.lex.nextItem();
    return this.token[0];
  }
  private nextNonSpace(): Item {
    for (;;) {
      const t = this.next();
      if (t.typ !== T.Space) return t;
    }
  }
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  // --- errors ---
  errorf(msg: string): never {
    this.root = null;
    throw new TemplateError(`template: ${this.ctx.src.parseName}:${this.token[0]!.line}: ${msg}`);
  }
  private expect(expected: T, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== expected) this.unexpected(t, context);
    return t;
  }
  private expectOneOf(e1: T, e2: T, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== e1 && t.typ !== e2) this.unexpected(t, context);
    return t;
  }
  private unexpected(t: Item, context: string): never {
    if (t.typ === T.Error) {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.ctx.src.parseName}:${this.actionLine}`;
        if (t.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.errorf(t.val + extra);
    }
    this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }
  private literal<V>(f: () => V): V {
    try {
      return f();
    } catch (e) {
      if (e instanceof SyntaxError_) this.errorf(e.message);
      throw e;
    }
  }

  // --- node constructors ---
  private base(pos: number) {
    return { pos, src: this.ctx.src };
  }
  private newList(pos: number): ListNode {
    return { type: "list", nodes: [], ...this.base(pos) };
  }
  private newVariable(pos: number, ident: string): VariableNode {
    return { type: "variable", ident: ident.split("."), ...this.base(pos) };
  }

  // --- grammar ---
  add(): void {
    const tree = this.ctx.treeSet.get(this.name);
    if (!tree || isEmptyTree(tree.root)) {
      this.ctx.treeSet.set(this.name, { name: this.name, root: this.root!, src: this.ctx.src });
      return;
    }
    if (!isEmptyTree(this.root)) this.errorf(`template: multiple definition of template ${quote(this.name)}`);
  }

  parse(): void {
    this.root = this.newList(this.peek().pos);
    while (this.peek().typ !== T.EOF) {
      if (this.peek().typ === T.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === T.Define) {
          new TreeParser("definition", this.ctx).parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") this.errorf(`unexpected ${nodeString(n)}`);
      this.root.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = "define clause";
    const name = this.expectOneOf(T.String, T.RawString, context);
    this.name = this.literal(() => unquote(name.val));
    this.expect(T.RightDelim, context);
    const [root, end] = this.itemList();
    this.root = root;
    if (end.type !== "end") this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add();
  }

  itemList(): [ListNode, Node] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== T.EOF) {
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") return [list, n];
      list.nodes.push(n);
    }
    return this.errorf("unexpected EOF");
  }

  private textOrAction(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case T.Text:
        return { type: "text", text: t.val, ...this.base(t.pos) };
      case T.LeftDelim:
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      case T.Comment:
        return { type: "comment", text: t.val, ...this.base(t.pos) };
    }
    return this.unexpected(t, "input");
  }

  private action(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case T.Block:
        return this.blockControl();
      case T.Break:
        return this.loopControl(t, "break");
      case T.Continue:
        return this.loopControl(t, "continue");
      case T.Else:
        return this.elseControl();
      case T.End:
        return { type: "end", ...this.base(this.expect(T.RightDelim, "end").pos) };
      case T.If:
        return this.branch("if");
      case T.Range:
        return this.branch("range");
      case T.Template:
        return this.templateControl();
      case T.With:
        return this.branch("with");
    }
    this.backup();
    const tok = this.peek();
    return { type: "action", line: tok.line, pipe: this.pipeline("command", T.RightDelim), ...this.base(tok.pos) };
  }

  private loopControl(t: Item, word: "break" | "continue"): Node {
    const tok = this.nextNonSpace();
    if (tok.typ !== T.RightDelim) this.unexpected(tok, `{{${word}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
    return { type: word, line: t.line, ...this.base(t.pos) };
  }

  private pipeline(context: string, end: T): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: "pipe", line: start.line, isAssign: false, decl: [], cmds: [], ...this.base(start.pos) };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === T.Variable) {
        this.next();
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === T.Assign || next.typ === T.Declare) {
          pipe.isAssign = next.typ === T.Assign;
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.typ === T.Char && next.val === ",") {
          this.nextNonSpace();
          pipe.decl.push(this.newVariable(v.pos, v.val));
          this.vars.push(v.val);
          if (context === "range" && pipe.decl.length < 2) {
            const p = this.peekNonSpace().typ;
            if (p === T.Variable || p === T.RightDelim || p === T.RightParen) continue decls; // second variable
            this.errorf("range can only initialize variables");
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === T.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (executableStarts.has(t.typ)) {
        this.backup();
        pipe.cmds.push(this.command());
      } else this.unexpected(t, context);
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type;
      if (t === "bool" || t === "dot" || t === "nil" || t === "number" || t === "string") {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private branch(context: "if" | "range" | "with"): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, T.RightDelim);
      if (context === "range") this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === "range") this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === "else") {
        // "{{else if x}}" / "{{else with x}}" nest a new branch that shares our {{end}}.
        if (context === "if" && this.peek().typ === T.If) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branch("if"));
        } else if (context === "with" && this.peek().typ === T.With) {
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branch("with"));
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== "end") this.errorf(`expected end; found ${nodeString(next)}`);
        }
      }
      return { type: context, line: pipe.line, pipe, list, elseList, ...this.base(pipe.pos) };
    } finally {
      this.vars.length = mark;
    }
  }

  private elseControl(): Node {
    const peek = this.peekNonSpace();
    if (peek.typ === T.If || peek.typ === T.With) return { type: "else", line: peek.line, ...this.base(peek.pos) };
    const t = this.expect(T.RightDelim, "else");
    return { type: "else", line: t.line, ...this.base(t.pos) };
  }

  private blockControl(): TemplateNode {
    const context = "block clause";
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    const pipe = this.pipeline(context, T.RightDelim);
    const block = new TreeParser(name, this.ctx);
    const [root, end] = block.itemList();
    block.root = root;
    if (end.type !== "end") this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    block.add();
    return { type: "template", line: t.line, name, pipe, ...this.base(t.pos) };
  }

  private templateControl(): TemplateNode {
    const context = "template clause";
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== T.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, T.RightDelim);
    }
    return { type: "template", line: t.line, name, pipe, ...this.base(t.pos) };
  }

  private parseTemplateName(t: Item, context: string): string {
    if (t.typ === T.String || t.typ === T.RawString) return this.literal(() => unquote(t.val));
    return this.unexpected(t, context);
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", args: [], ...this.base(this.peekNonSpace().pos) };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === T.Space) continue;
      if (t.typ === T.RightDelim || t.typ === T.RightParen) this.backup();
      else if (t.typ !== T.Pipe) this.unexpected(t, "operand");
      break;
    }
    if (cmd.args.length === 0) this.errorf("empty command");
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().typ !== T.Field) return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === T.Field) fields.push(this.next().val.slice(1));
    switch (node.type) {
      case "field":
        return { type: "field", ident: [...node.ident, ...fields], ...this.base(pos) };
      case "variable":
        return { type: "variable", ident: [...node.ident, ...fields], ...this.base(pos) };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        return this.errorf(`unexpected . after term ${quote(nodeString(node))}`);
    }
    return { type: "chain", node, field: fields, ...this.base(pos) };
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case T.Identifier:
        if (!this.ctx.hasFunction(t.val)) this.errorf(`function ${quote(t.val)} not defined`);
        return { type: "identifier", ident: t.val, ...this.base(t.pos) };
      case T.Dot:
        return { type: "dot", ...this.base(t.pos) };
      case T.Nil:
        return { type: "nil", ...this.base(t.pos) };
      case T.Variable: {
        const v = this.newVariable(t.pos, t.val);
        if (!this.vars.includes(v.ident[0]!)) this.errorf(`undefined variable ${quote(v.ident[0]!)}`);
        return v;
      }
      case T.Field:
        return { type: "field", ident: t.val.slice(1).split("."), ...this.base(t.pos) };
      case T.Bool:
        return { type: "bool", value: t.val === "true", ...this.base(t.pos) };
      case T.CharConstant:
      case T.Complex:
      case T.Number: {
        const num = this.literal(() => (t.typ === T.CharConstant ? parseCharConstant(t.val) : parseNumber(t.val, t.typ === T.Complex)));
        return { type: "number", text: t.val, num, ...this.base(t.pos) };
      }
      case T.LeftParen: {
        if (this.stackDepth >= maxStackDepth) this.errorf("max expression depth exceeded");
        this.stackDepth++;
        try {
          return this.pipeline("parenthesized pipeline", T.RightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case T.String:
      case T.RawString:
        return { type: "string", quoted: t.val, text: this.literal(() => unquote(t.val)), ...this.base(t.pos) };
    }
    this.backup();
    return null;
  }
}

export interface ParseOptions {
  leftDelim?: string;
  rightDelim?: string;
  hasFunction: (name: string) => boolean;
}

/** Parse one template text; returns every tree it defines (itself included). */
export function parseTemplates(name: string, text: string, opts: ParseOptions): Map<string, ParsedTree> {
  const lex = new Lexer(text, opts.leftDelim || "{{", opts.rightDelim || "}}", {
    breakOK: !opts.hasFunction("break"),
    continueOK: !opts.hasFunction("continue"),
  });
  const ctx: Context = { lex, src: { parseName: name, text }, treeSet: new Map(), hasFunction: opts.hasFunction };
  const top = new TreeParser(name, ctx);
  top.parse();
  top.add();
  return ctx.treeSet;
}
