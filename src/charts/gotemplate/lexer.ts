// Tokenizer for Go templates, a port of text/template/parse/lex.go.
// Positions are UTF-16 offsets into the template text.
import { quote } from "./quote.ts";

export const enum T {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  EOF,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword, // keywords follow
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Item {
  typ: T;
  pos: number;
  val: string;
  line: number;
}

const keywords: Record<string, T> = {
  ".": T.Dot,
  block: T.Block,
  break: T.Break,
  continue: T.Continue,
  define: T.Define,
  else: T.Else,
  end: T.End,
  if: T.If,
  range: T.Range,
  nil: T.Nil,
  template: T.Template,
  with: T.With,
};

const EOF = -1;
const spaceChars = " \t\r\n";
const trimMarkerLen = 2; // "-" plus the space next to it
const leftComment = "/*";
const rightComment = "*/";

const isSpace = (r: number): boolean => r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
const letter = /^\p{L}$/u;
const digit = /^\p{Nd}$/u;
export function isAlphaNumeric(r: number): boolean {
  if (r === 0x5f) return true;
  if (r < 0) return false;
  if (r < 0x80) return (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  const s = String.fromCodePoint(r);
  return letter.test(s) || digit.test(s);
}

const hasLeftTrimMarker = (s: string): boolean => s.length >= 2 && s[0] === "-" && isSpace(s.charCodeAt(1));
const hasRightTrimMarker = (s: string): boolean => s.length >= 2 && isSpace(s.charCodeAt(0)) && s[1] === "-";

/** Go's %#U: U+0023 '#'. */
export function unicodeName(r: number): string {
  const hex = r.toString(16).toUpperCase().padStart(4, "0");
  const printable = r >= 0x20 && r !== 0x7f && !(r >= 0x80 && r < 0xa0) && !(r >= 0xd800 && r <= 0xdfff);
  return printable ? `U+${hex} '${String.fromCodePoint(r)}'` : `U+${hex}`;
}

type StateFn = ((l: Lexer) => StateFn) | null;

export interface LexOptions {
  breakOK: boolean;
  continueOK: boolean;
}

export class Lexer {
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private line = 1;
  private startLine = 1;
  private item: Item = { typ: T.EOF, pos: 0, val: "EOF", line: 1 };
  private insideAction = false;

  constructor(
    private input: string,
    readonly leftDelim: string,
    readonly rightDelim: string,
    readonly options: LexOptions,
  ) {}

  next(): number {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.pos += r > 0xffff ? 2 : 1;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const c = this.input.charCodeAt(this.pos - 1);
      const w = c >= 0xdc00 && c <= 0xdfff && this.pos > 1 && this.input.charCodeAt(this.pos - 2) >= 0xd800 && this.input.charCodeAt(this.pos - 2) <= 0xdbff ? 2 : 1;
      this.pos -= w;
      if (c === 0x0a) this.line--;
    }
  }

  private thisItem(t: T): Item {
    const i: Item = { typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
    return i;
  }

  emit(t: T): StateFn {
    return this.emitItem(this.thisItem(t));
  }

  emitItem(i: Item): StateFn {
    this.item = i;
    return null;
  }

  ignore(): void {
    this.line += count(this.input.slice(this.start, this.pos), "\n");
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(msg: string): StateFn {
    this.item = { typ: T.Error, pos: this.start, val: msg, line: this.startLine };
    this.start = 0;
    this.pos = 0;
    this.input = "";
    return null;
  }

  nextItem(): Item {
    this.item = { typ: T.EOF, pos: this.pos, val: "EOF", line: this.startLine };
    let state: StateFn = this.insideAction ? lexInsideAction : lexText;
    while (state) state = state(this);
    return this.item;
  }

  // The state functions below need the private fields.
  static text(l: Lexer): StateFn {
    const x = l.input.indexOf(l.leftDelim, l.pos);
    if (x >= 0) {
      if (x > l.pos) {
        l.pos = x;
        let trimLength = 0;
        const delimEnd = l.pos + l.leftDelim.length;
        if (hasLeftTrimMarker(l.input.slice(delimEnd, delimEnd + 2))) {
          const text = l.input.slice(l.start, l.pos);
          trimLength = text.length - trimRight(text).length;
        }
        l.pos -= trimLength;
        l.line += count(l.input.slice(l.start, l.pos), "\n");
        const i = l.thisItem(T.Text);
        l.pos += trimLength;
        l.ignore();
        if (i.val.length > 0) return l.emitItem(i);
      }
      return lexLeftDelim;
    }
    l.pos = l.input.length;
    if (l.pos > l.start) {
      l.line += count(l.input.slice(l.start, l.pos), "\n");
      return l.emit(T.Text);
    }
    return l.emit(T.EOF);
  }

  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    const rest = this.input.slice(this.pos);
    if (hasRightTrimMarker(rest) && rest.startsWith(this.rightDelim, trimMarkerLen)) return { delim: true, trimSpaces: true };
    if (rest.startsWith(this.rightDelim)) return { delim: true, trimSpaces: false };
    return { delim: false, trimSpaces: false };
  }

  static leftDelimState(l: Lexer): StateFn {
    l.pos += l.leftDelim.length;
    const trimSpace = hasLeftTrimMarker(l.input.slice(l.pos, l.pos + 2));
    const afterMarker = trimSpace ? trimMarkerLen : 0;
    if (l.input.startsWith(leftComment, l.pos + afterMarker)) {
      l.pos += afterMarker;
      l.ignore();
      return lexComment;
    }
    const i = l.thisItem(T.LeftDelim);
    l.insideAction = true;
    l.pos += afterMarker;
    l.ignore();
    l.parenDepth = 0;
    return l.emitItem(i);
  }

  static comment(l: Lexer): StateFn {
    l.pos += leftComment.length;
    const x = l.input.indexOf(rightComment, l.pos);
    if (x < 0) return l.errorf("unclosed comment");
    l.pos = x + rightComment.length;
    const { delim, trimSpaces } = l.atRightDelim();
    if (!delim) return l.errorf("comment ends before closing delimiter");
    l.line += count(l.input.slice(l.start, l.pos), "\n");
    l.thisItem(T.Comment);
    if (trimSpaces) l.pos += trimMarkerLen;
    l.pos += l.rightDelim.length;
    if (trimSpaces) {
      const rest = l.input.slice(l.pos);
      l.pos += rest.length - trimLeft(rest).length;
    }
    l.ignore();
    return lexText;
  }

  static rightDelimState(l: Lexer): StateFn {
    const { trimSpaces } = l.atRightDelim();
    if (trimSpaces) {
      l.pos += trimMarkerLen;
      l.ignore();
    }
    l.pos += l.rightDelim.length;
    const i = l.thisItem(T.RightDelim);
    if (trimSpaces) {
      const rest = l.input.slice(l.pos);
      l.pos += rest.length - trimLeft(rest).length;
      l.ignore();
    }
    l.insideAction = false;
    return l.emitItem(i);
  }

  static insideActionState(l: Lexer): StateFn {
    const { delim } = l.atRightDelim();
    if (delim) {
      if (l.parenDepth === 0) return lexRightDelim;
      return l.errorf("unclosed left paren");
    }
    const r = l.next();
    if (r === EOF) return l.errorf("unclosed action");
    if (isSpace(r)) {
      l.backup(); // the space may start " -}}"
      return lexSpace;
    }
    switch (r) {
      case 0x3d: // =
        return l.emit(T.Assign);
      case 0x3a: // :
        if (l.next() !== 0x3d) return l.errorf("expected :=");
        return l.emit(T.Declare);
      case 0x7c: // |
        return l.emit(T.Pipe);
      case 0x22: // "
        return lexQuote;
      case 0x60: // `
        return lexRawQuote;
      case 0x24: // $
        return lexVariable;
      case 0x27: // '
        return lexChar;
      case 0x28: // (
        l.parenDepth++;
        return l.emit(T.LeftParen);
      case 0x29: // )
        l.parenDepth--;
        if (l.parenDepth < 0) return l.errorf("unexpected right paren");
        return l.emit(T.RightParen);
    }
    if (r === 0x2e) {
      // ".field" unless a digit follows, which makes it a number
      if (l.pos < l.input.length) {
        const c = l.input.charCodeAt(l.pos);
        if (c < 0x30 || c > 0x39) return lexField;
      }
      l.backup();
      return lexNumber;
    }
    if (r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
      l.backup();
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      l.backup();
      return lexIdentifier;
    }
    if (r <= 0x7f && r >= 0x20 && r !== 0x7f) return l.emit(T.Char);
    return l.errorf(`unrecognized character in action: ${unicodeName(r)}`);
  }

  static space(l: Lexer): StateFn {
    let numSpaces = 0;
    while (isSpace(l.peek())) {
      l.next();
      numSpaces++;
    }
    const rest = l.input.slice(l.pos - 1);
    if (hasRightTrimMarker(rest) && rest.startsWith(l.rightDelim, trimMarkerLen)) {
      l.backup();
      if (numSpaces === 1) return lexRightDelim;
    }
    return l.emit(T.Space);
  }

  static identifier(l: Lexer): StateFn {
    for (;;) {
      const r = l.next();
      if (isAlphaNumeric(r)) continue;
      l.backup();
      const word = l.input.slice(l.start, l.pos);
      if (!l.atTerminator()) return l.errorf(`bad character ${unicodeName(r)}`);
      const kw = keywords[word];
      if (kw !== undefined && kw > T.Keyword) {
        if ((kw === T.Break && !l.options.breakOK) || (kw === T.Continue && !l.options.continueOK)) return l.emit(T.Identifier);
        return l.emit(kw);
      }
      if (word[0] === ".") return l.emit(T.Field);
      if (word === "true" || word === "false") return l.emit(T.Bool);
      return l.emit(T.Identifier);
    }
  }

  static fieldOrVariable(l: Lexer, typ: T): StateFn {
    if (l.atTerminator()) return l.emit(typ === T.Variable ? T.Variable : T.Dot);
    let r: number;
    for (;;) {
      r = l.next();
      if (!isAlphaNumeric(r)) {
        l.backup();
        break;
      }
    }
    if (!l.atTerminator()) return l.errorf(`bad character ${unicodeName(r)}`);
    return l.emit(typ);
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF:
      case 0x2e:
      case 0x2c:
      case 0x7c:
      case 0x3a:
      case 0x29:
      case 0x28:
        return true;
    }
    return this.input.startsWith(this.rightDelim, this.pos);
  }

  static quoted(l: Lexer, q: number, kind: T, what: string): StateFn {
    for (;;) {
      let r = l.next();
      if (r === 0x5c) {
        r = l.next();
        if (r !== EOF && r !== 0x0a) continue;
        return l.errorf(`unterminated ${what}`);
      }
      if (r === EOF || r === 0x0a) return l.errorf(`unterminated ${what}`);
      if (r === q) break;
    }
    return l.emit(kind);
  }

  static rawQuote(l: Lexer): StateFn {
    for (;;) {
      const r = l.next();
      if (r === EOF) return l.errorf("unterminated raw quoted string");
      if (r === 0x60) break;
    }
    return l.emit(T.RawString);
  }

  static number(l: Lexer): StateFn {
    if (!l.scanNumber()) return l.errorf(`bad number syntax: ${quote(l.input.slice(l.start, l.pos))}`);
    const sign = l.peek();
    if (sign === 0x2b || sign === 0x2d) {
      // complex: 1+2i
      if (!l.scanNumber() || l.input[l.pos - 1] !== "i") return l.errorf(`bad number syntax: ${quote(l.input.slice(l.start, l.pos))}`);
      return l.emit(T.Complex);
    }
    return l.emit(T.Number);
  }

  scanNumber(): boolean {
    this.accept("+-");
    let digits = "0123456789_";
    if (this.accept("0")) {
      if (this.accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (this.accept("oO")) digits = "01234567_";
      else if (this.accept("bB")) digits = "01_";
    }
    this.acceptRun(digits);
    if (this.accept(".")) this.acceptRun(digits);
    if (digits.length === 11 && this.accept("eE")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    if (digits.length === 23 && this.accept("pP")) {
      this.accept("+-");
      this.acceptRun("0123456789_");
    }
    this.accept("i");
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }
}

function count(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
  return n;
}

function trimRight(s: string): string {
  let e = s.length;
  while (e > 0 && spaceChars.includes(s[e - 1]!)) e--;
  return s.slice(0, e);
}

function trimLeft(s: string): string {
  let b = 0;
  while (b < s.length && spaceChars.includes(s[b]!)) b++;
  return s.slice(b);
}

const lexText = (l: Lexer): StateFn => Lexer.text(l);
const lexLeftDelim = (l: Lexer): StateFn => Lexer.leftDelimState(l);
const lexComment = (l: Lexer): StateFn => Lexer.comment(l);
const lexRightDelim = (l: Lexer): StateFn => Lexer.rightDelimState(l);
const lexInsideAction = (l: Lexer): StateFn => Lexer.insideActionState(l);
const lexSpace = (l: Lexer): StateFn => Lexer.space(l);
const lexIdentifier = (l: Lexer): StateFn => Lexer.identifier(l);
const lexField = (l: Lexer): StateFn => Lexer.fieldOrVariable(l, T.Field);
const lexVariable = (l: Lexer): StateFn => (l.atTerminator() ? l.emit(T.Variable) : Lexer.fieldOrVariable(l, T.Variable));
const lexChar = (l: Lexer): StateFn => Lexer.quoted(l, 0x27, T.CharConstant, "character constant");
const lexQuote = (l: Lexer): StateFn => Lexer.quoted(l, 0x22, T.String, "quoted string");
const lexRawQuote = (l: Lexer): StateFn => Lexer.rawQuote(l);
const lexNumber = (l: Lexer): StateFn => Lexer.number(l);
