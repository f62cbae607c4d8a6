// A YAML writer that lays out plain data (maps, lists, scalars) exactly as Go's
// yaml.v2 emitter does when sigs.k8s.io/yaml marshals it: block style, keys in
// yaml.v2's natural order, lists not indented under their key, 80-column folding
// of long strings, and yaml.v2's choice between plain, quoted and literal scalars.
// Helm's toYaml output — and so most chart output — depends on every one of these.
import { formatYamlNumber, needsQuoting } from "./go-yaml-scalar.ts";
import { compareYamlKeys } from "./go-yaml-key-order.ts";

type Style = "plain" | "single" | "double" | "literal";

const BEST_INDENT = 2;
const BEST_WIDTH = 80;

interface ScalarAnalysis {
  multiline: boolean;
  flowPlain: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}
const isBreak = (cp: number | undefined) => cp === 0x0a || cp === 0x0d || cp === 0x85 || cp === 0x2028 || cp === 0x2029;
const isSpace = (cp: number | undefined) => cp === 0x20;
const isBlank = (cp: number | undefined) => cp === 0x20 || cp === 0x09;
const isBlankz = (cp: number | undefined) => cp === undefined || cp === 0 || isBlank(cp) || isBreak(cp);

function analyzeScalar(cps: number[]): ScalarAnalysis {
  if (cps.length === 0) return { multiline: false, flowPlain: false, blockPlain: true, singleQuoted: true, block: false };
  let blockInd = false, flowInd = false, lineBreaks = false, special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, prevSpace = false, prevBreak = false;
  const s3 = String.fromCodePoint(...cps.slice(0, 3));
  if (s3 === "---" || s3 === "...") { blockInd = true; flowInd = true; }
  let precededByWs = true;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const followedByWs = i + 1 >= cps.length || isBlank(cps[i + 1]);
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(ch)) { flowInd = true; blockInd = true; }
      else if (ch === "?" || ch === ":") { flowInd = true; if (followedByWs) blockInd = true; }
      else if (ch === "-" && followedByWs) { flowInd = true; blockInd = true; }
    } else {
      if (",?[]{}".includes(ch)) flowInd = true;
      else if (ch === ":") { flowInd = true; if (followedByWs) blockInd = true; }
      else if (ch === "#" && precededByWs) { flowInd = true; blockInd = true; }
    }
    if (!isPrintable(c)) special = true;
    if (isSpace(c)) {
      if (i === 0) leadingSpace = true;
      if (i === cps.length - 1) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true; prevBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === cps.length - 1) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false; prevBreak = true;
    } else {
      prevSpace = false; prevBreak = false;
    }
    precededByWs = isBlankz(c);
  }
  const a: ScalarAnalysis = { multiline: lineBreaks, flowPlain: true, blockPlain: true, singleQuoted: true, block: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) { a.flowPlain = false; a.blockPlain = false; }
  if (trailingSpace) a.block = false;
  if (breakSpace) { a.flowPlain = false; a.blockPlain = false; a.singleQuoted = false; }
  if (spaceBreak || special) { a.flowPlain = false; a.blockPlain = false; a.singleQuoted = false; a.block = false; }
  if (lineBreaks) { a.flowPlain = false; a.blockPlain = false; }
  if (flowInd) a.flowPlain = false;
  if (blockInd) a.blockPlain = false;
  return a;
}

class Emitter {
  out = "";
  column = 0;
  indent = -1;
  indents: number[] = [];
  whitespace = true;
  indention = true;
  openEnded = false;
  flowLevel = 0;

  put(s: string) { this.out += s; this.column += 1; }
  putBreak() { this.out += "\n"; this.column = 0; this.indention = true; }
  writeCp(cp: number) { this.out += String.fromCodePoint(cp); this.column += 1; }
  writeBreakCp(cp: number) {
    if (cp === 0x0a) { this.putBreak(); return; }
    this.out += String.fromCodePoint(cp);
    this.column = 0; this.indention = true;
  }

  increaseIndent(flow: boolean, indentless: boolean) {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }
  popIndent() { this.indent = this.indents.pop()!; }

  writeIndent() {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(" ");
    this.whitespace = true;
  }

  writeIndicator(ind: string, needWs: boolean, isWs: boolean, isIndention: boolean) {
    if (needWs && !this.whitespace) this.put(" ");
    for (const ch of ind) this.put(ch);
    this.whitespace = isWs;
    this.indention = this.indention && isIndention;
    this.openEnded = false;
  }

  // ---- nodes ----
  node(v: unknown, ctx: { root?: boolean; sequence?: boolean; mapping?: boolean; simpleKey?: boolean }) {
    if (Array.isArray(v)) return v.length === 0 ? this.emptyFlow("[", "]") : this.blockSequence(v, !!ctx.mapping);
    if (v !== null && typeof v === "object") {
      const keys = Object.keys(v as object).sort(compareYamlKeys);
      return keys.length === 0 ? this.emptyFlow("{", "}") : this.blockMapping(v as Record<string, unknown>, keys);
    }
    const [text, requested] = scalarText(v);
    this.scalar(text, requested, ctx);
  }

  emptyFlow(open: string, close: string) {
    this.writeIndicator(open, true, true, false);
    this.increaseIndent(true, false);
    this.flowLevel++;
    this.flowLevel--;
    this.popIndent();
    this.writeIndicator(close, false, false, false);
  }

  blockSequence(items: unknown[], mappingContext: boolean) {
    this.increaseIndent(false, mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator("-", true, false, true);
      this.node(item, { sequence: true });
    }
    this.popIndent();
  }

  blockMapping(m: Record<string, unknown>, keys: string[]) {
    this.increaseIndent(false, false);
    for (const k of keys) {
      this.writeIndent();
      const cps = [...k].map((c) => c.codePointAt(0)!);
      const a = analyzeScalar(cps);
      const [, requested] = scalarText(k);
      const simple = !a.multiline && Buffer.byteLength(k) <= 128;
      if (simple) {
        this.scalar(k, requested, { mapping: true, simpleKey: true });
        this.writeIndicator(":", false, false, false);
      } else {
        this.writeIndicator("?", true, false, true);
        this.scalar(k, requested, { mapping: true });
        this.writeIndent();
        this.writeIndicator(":", true, false, true);
      }
      this.node(m[k], { mapping: true });
    }
    this.popIndent();
  }

  scalar(text: string, requested: Style, ctx: { root?: boolean; mapping?: boolean; simpleKey?: boolean }) {
    const cps = [...text].map((c) => c.codePointAt(0)!);
    const a = analyzeScalar(cps);
    let style = requested;
    if (ctx.simpleKey && a.multiline) style = "double";
    if (style === "plain") {
      if ((this.flowLevel > 0 && !a.flowPlain) || (this.flowLevel === 0 && !a.blockPlain)) style = "single";
      if (cps.length === 0 && (this.flowLevel > 0 || ctx.simpleKey)) style = "single";
    }
    if (style === "single" && !a.singleQuoted) style = "double";
    if (style === "literal" && (!a.block || this.flowLevel > 0 || ctx.simpleKey)) style = "double";
    this.increaseIndent(true, false);
    const allowBreaks = !ctx.simpleKey;
    if (style === "plain") this.writePlain(cps, allowBreaks, !!ctx.root);
    else if (style === "single") this.writeSingle(cps, allowBreaks);
    else if (style === "double") this.writeDouble(cps, allowBreaks);
    else this.writeLiteral(cps);
    this.popIndent();
  }

  writePlain(cps: number[], allowBreaks: boolean, root: boolean) {
    if (cps.length > 0 && !this.whitespace) this.put(" ");
    let spaces = false, breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!;
      if (isSpace(c)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && !isSpace(cps[i + 1])) this.writeIndent();
        else this.writeCp(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreakCp(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.writeCp(c);
        this.indention = false; spaces = false; breaks = false;
      }
    }
    if (cps.length > 0) this.whitespace = false;
    this.indention = false;
    if (root) this.openEnded = true;
  }

  writeSingle(cps: number[], allowBreaks: boolean) {
    this.writeIndicator("'", true, false, false);
    let spaces = false, breaks = false;
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!;
      if (isSpace(c)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < cps.length - 1 && !isSpace(cps[i + 1])) this.writeIndent();
        else this.writeCp(c);
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.putBreak();
        this.writeBreakCp(c);
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (c === 0x27) this.put("'");
        this.writeCp(c);
        this.indention = false; spaces = false; breaks = false;
      }
    }
    this.writeIndicator("'", false, false, false);
    this.whitespace = false; this.indention = false;
  }

  writeDouble(cps: number[], allowBreaks: boolean) {
    let spaces = false;
    this.writeIndicator('"', true, false, false);
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i]!;
      if (!isPrintable(c) || c === 0xfeff || isBreak(c) || c === 0x22 || c === 0x5c) {
        this.put("\\");
        const simple: Record<number, string> = {
          0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0a: "n", 0x0b: "v", 0x0c: "f", 0x0d: "r", 0x1b: "e",
          0x22: '"', 0x5c: "\\", 0x85: "N", 0xa0: "_", 0x2028: "L", 0x2029: "P",
        };
        const e = simple[c];
        if (e !== undefined) this.put(e);
        else {
          const [letter, width] = c <= 0xff ? ["x", 2] : c <= 0xffff ? ["u", 4] : ["U", 8];
          this.put(letter as string);
          for (const d of c.toString(16).toUpperCase().padStart(width as number, "0")) this.put(d);
        }
        spaces = false;
      } else if (isSpace(c)) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i > 0 && i < cps.length - 1) {
          this.writeIndent();
          if (isSpace(cps[i + 1])) this.put("\\");
        } else this.writeCp(c);
        spaces = true;
      } else {
        this.writeCp(c);
        spaces = false;
      }
    }
    this.writeIndicator('"', false, false, false);
    this.whitespace = false; this.indention = false;
  }

  writeLiteral(cps: number[]) {
    this.writeIndicator("|", true, false, false);
    // block scalar hints: explicit indent when the text starts with a space or break,
    // and the chomping indicator from how the text ends.
    if (isSpace(cps[0]) || isBreak(cps[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    this.openEnded = false;
    let chomp = "";
    const n = cps.length;
    if (n === 0 || !isBreak(cps[n - 1])) chomp = "-";
    else if (n === 1) { chomp = "+"; this.openEnded = true; }
    else if (isBreak(cps[n - 2])) { chomp = "+"; this.openEnded = true; }
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.whitespace = true;
    let breaks = true;
    for (let i = 0; i < n; i++) {
      const c = cps[i]!;
      if (isBreak(c)) { this.writeBreakCp(c); breaks = true; }
      else {
        if (breaks) this.writeIndent();
        this.writeCp(c);
        this.indention = false; breaks = false;
      }
    }
  }
}

/** The text and the style yaml.v2's encoder asks for, per value type. */
function scalarText(v: unknown): [string, Style] {
  if (v === null || v === undefined) return ["null", "plain"];
  if (typeof v === "boolean") return [v ? "true" : "false", "plain"];
  if (typeof v === "number" || typeof v === "bigint") return [formatYamlNumber(v), "plain"];
  const s = String(v);
  if (s.includes("\n")) return [s, "literal"];
  return [s, needsQuoting(s) ? "double" : "plain"];
}

/** sigs.k8s.io/yaml Marshal of a JSON-shaped value: the full document text, ending in "\n". */
export function marshalYaml(v: unknown): string {
  const e = new Emitter();
  e.node(toJsonShape(v), { root: true });
  // document end: an implicit end still breaks the line; an open-ended stream ends with "...".
  e.writeIndent();
  if (e.openEnded) { e.writeIndicator("...", true, false, false); e.writeIndent(); }
  return e.out;
}

/** What json.Marshal then a JSON read-back leaves: drops undefined and functions, keeps order-free maps. */
export function toJsonShape(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(toJsonShape);
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  const src = v as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof src.toJSON === "function") return toJsonShape(src.toJSON());
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(src)) {
    if (typeof val === "function") continue;
    out[k] = toJsonShape(val);
  }
  return out;
}
