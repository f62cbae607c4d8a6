// Go's text/template for skiff's Helm-compatible chart rendering.
// Value model: bigint = int, number = float64, string, boolean, null = nil,
// plain object = map[string]interface{}, array = []interface{}. A class
// instance acts as a struct: own properties are fields, prototype
// functions are methods (e.g. `.Files.Get "x"`).
import { TemplateError } from "./errors.ts";
import { executeTemplate, type ExecEnv, type MissingKey, type TemplateFunc } from "./exec.ts";
import { builtinNames } from "./builtins.ts";
import { isEmptyTree } from "./nodes.ts";
import { parseTemplates, type ParsedTree } from "./parser.ts";
import { quote } from "./quote.ts";

export { TemplateError } from "./errors.ts";
export { sprintf, formatValue, sprint, sprintln } from "./fmt.ts";
export { isTrue } from "./values.ts";
export type { MissingKey } from "./exec.ts";

export type FuncMap = Record<string, (...args: any[]) => unknown>;

export interface TemplateSetOptions {
  funcs?: FuncMap;
  missingKey?: MissingKey;
  leftDelim?: string;
  rightDelim?: string;
  /** The set's own name, used only in "no template ... associated with template NAME". */
  name?: string;
}

/** Go's rule for function names: a letter or '_' first, then letters, digits, '_'. */
function goodName(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name);
}

/** A set of named templates sharing functions, like a Go *template.Template and its associates. */
export class TemplateSet {
  private readonly trees = new Map<string, ParsedTree>();
  private readonly funcs = new Map<string, TemplateFunc>();
  private readonly env: ExecEnv;
  private readonly leftDelim: string;
  private readonly rightDelim: string;
  private readonly setName: string;

  constructor(opts: TemplateSetOptions = {}) {
    this.leftDelim = opts.leftDelim ?? "";
    this.rightDelim = opts.rightDelim ?? "";
    this.setName = opts.name ?? "";
    if (opts.funcs) this.addFuncs(opts.funcs);
    this.env = {
      lookup: (name) => this.trees.get(name),
      func: (name) => this.funcs.get(name),
      missingKey: opts.missingKey ?? "default",
    };
  }

  /**
   * Parse `text` as template `name`; its {{define}}s join the set. A later
   * definition replaces an earlier one unless it is empty (AddParseTree).
   * On error nothing is added.
   */
  parse(name: string, text: string): void {
    const trees = parseTemplates(name, text, {
      leftDelim: this.leftDelim,
      rightDelim: this.rightDelim,
      hasFunction: (f) => this.funcs.has(f) || builtinNames.has(f),
    });
    for (const [n, tree] of trees) {
      const old = this.trees.get(n);
      if (old && isEmptyTree(tree.root)) continue;
      this.trees.set(n, tree);
    }
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  names(): string[] {
    return [...this.trees.keys()].sort();
  }

  /** Execute template `name` with dot = data; re-entrant from functions. */
  execute(name: string, data: unknown): string {
    return executeTemplate(this.env, this.setName, name, data);
  }

  /** Add or replace functions; they take precedence over the builtins. */
  addFuncs(funcs: FuncMap): void {
    for (const [name, fn] of Object.entries(funcs)) {
      if (!goodName(name)) throw new TemplateError(`function name ${quote(name)} is not a valid identifier`);
      if (typeof fn !== "function") throw new TemplateError(`value for ${name} not a function`);
      this.funcs.set(name, fn);
    }
  }
}
