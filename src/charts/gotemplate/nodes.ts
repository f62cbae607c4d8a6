// Parse tree nodes (text/template/parse/node.go) and their String forms,
// which appear in error messages as the "<...>" context.
import type { NumberValue } from "./literals.ts";
import { quote } from "./quote.ts";

/** Where a node came from: the top-level template name and its text. */
export interface Source {
  parseName: string;
  text: string;
}

interface Base {
  pos: number;
  src: Source;
}

export interface TextNode extends Base { type: "text"; text: string }
export interface CommentNode extends Base { type: "comment"; text: string }
export interface ActionNode extends Base { type: "action"; line: number; pipe: PipeNode }
export interface PipeNode extends Base { type: "pipe"; line: number; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }
export interface CommandNode extends Base { type: "command"; args: ArgNode[] }
export interface FieldNode extends Base { type: "field"; ident: string[] }
export interface VariableNode extends Base { type: "variable"; ident: string[] }
export interface ChainNode extends Base { type: "chain"; node: ArgNode; field: string[] }
export interface IdentifierNode extends Base { type: "identifier"; ident: string }
export interface DotNode extends Base { type: "dot" }
export interface NilNode extends Base { type: "nil" }
export interface BoolNode extends Base { type: "bool"; value: boolean }
export interface NumberNode extends Base { type: "number"; text: string; num: NumberValue }
export interface StringNode extends Base { type: "string"; quoted: string; text: string }
export interface ListNode extends Base { type: "list"; nodes: Node[] }
export interface BranchNode extends Base {
  type: "if" | "range" | "with";
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface TemplateNode extends Base { type: "template"; line: number; name: string; pipe: PipeNode | null }
export interface BreakNode extends Base { type: "break"; line: number }
export interface ContinueNode extends Base { type: "continue"; line: number }
export interface EndNode extends Base { type: "end" }
export interface ElseNode extends Base { type: "else"; line: number }

export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node =
  | ArgNode
  | TextNode
  | CommentNode
  | ActionNode
  | CommandNode
  | ListNode
  | BranchNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | EndNode
  | ElseNode;

/** Go quotes a template name with %q in {{template "name"}}. */
const goQuote = quote;

/**
 * node.String(). Text nodes print raw, as Go does at run time; the parse
 * tests print them quoted (Go's textFormat = "%q"), hence the option.
 */
export function nodeString(n: Node, quoteText = false): string {
  const s = (m: Node) => nodeString(m, quoteText);
  switch (n.type) {
    case "text":
      return quoteText ? goQuote(n.text) : n.text;
    case "comment":
      return "{{" + n.text + "}}";
    case "action":
      return "{{" + s(n.pipe) + "}}";
    case "pipe": {
      let out = "";
      if (n.decl.length > 0) {
        out += n.decl.map(s).join(", ");
        out += n.isAssign ? " = " : " := ";
      }
      return out + n.cmds.map(s).join(" | ");
    }
    case "command":
      return n.args.map((a) => (a.type === "pipe" ? "(" + s(a) + ")" : s(a))).join(" ");
    case "field":
      return n.ident.map((id) => "." + id).join("");
    case "variable":
      return n.ident.join(".");
    case "chain":
      return (n.node.type === "pipe" ? "(" + s(n.node) + ")" : s(n.node)) + n.field.map((f) => "." + f).join("");
    case "identifier":
      return n.ident;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return n.value ? "true" : "false";
    case "number":
      return n.text;
    case "string":
      return n.quoted;
    case "list":
      return n.nodes.map(s).join("");
    case "if":
    case "range":
    case "with": {
      let out = `{{${n.type} ${s(n.pipe)}}}${s(n.list)}`;
      if (n.elseList) out += "{{else}}" + s(n.elseList);
      return out + "{{end}}";
    }
    case "template":
      return n.pipe ? `{{template ${goQuote(n.name)} ${s(n.pipe)}}}` : `{{template ${goQuote(n.name)}}}`;
    case "break":
      return "{{break}}";
    case "continue":
      return "{{continue}}";
    case "end":
      return "{{end}}";
    case "else":
      return "{{else}}";
  }
}

/** parse.IsEmptyTree: only spaces and comments. */
export function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  switch (n.type) {
    case "comment":
      return true;
    case "list":
      return n.nodes.every(isEmptyTree);
    case "text":
      return n.text.trim().length === 0;
    default:
      return false;
  }
}
