// Go's fmt package for the template value model: Sprintf, Sprint, Sprintln
// and the %v printing used when an action writes a value.
import { formatFloat } from "./float-format.ts";
import { canBackquote, isPrint, quote, quoteRune, quoteToASCII } from "./quote.ts";
import { goTypeName, isGoMap, sortedKeys, utf8Bytes } from "./values.ts";

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  widPresent: boolean;
  wid: number;
  precPresent: boolean;
  prec: number;
}

function clearFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    plusV: false,
    sharpV: false,
    widPresent: false,
    wid: 0,
    precPresent: false,
    prec: 0,
  };
}

const runeCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** One formatting pass; mirrors fmt's pp and fmt types. */
class Printer {
  buf = "";
  f: Flags = clearFlags();

  private padding(n: number): string {
    if (n <= 0) return "";
    return (this.f.zero ? "0" : " ").repeat(n);
  }

  pad(s: string): void {
    if (!this.f.widPresent || this.f.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.f.wid - runeCount(s);
    if (!this.f.minus) this.buf += this.padding(width) + s;
    else this.buf += s + this.padding(width);
  }

  private truncate(s: string): string {
    if (this.f.precPresent) {
      let n = this.f.prec;
      let i = 0;
      for (const ch of s) {
        n--;
        if (n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.f.sharp && canBackquote(s)) this.pad("`" + s + "`");
    else if (this.f.plus) this.pad(quoteToASCII(s));
    else this.pad(quote(s));
  }

  fmtSx(s: string, upper: boolean): void {
    const digits = upper ? "0123456789ABCDEFX" : "0123456789abcdefx";
    const b = utf8Bytes(s);
    let length = b.length;
    if (this.f.precPresent && this.f.prec < length) length = this.f.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.f.space) {
        if (this.f.sharp) width *= 2;
        width += length - 1;
      } else if (this.f.sharp) width += 2;
    } else {
      if (this.f.widPresent) this.buf += this.padding(this.f.wid);
      return;
    }
    if (this.f.widPresent && this.f.wid > width && !this.f.minus) this.buf += this.padding(this.f.wid - width);
    let out = this.f.sharp ? "0" + digits[16] : "";
    for (let i = 0; i < length; i++) {
      if (this.f.space && i > 0) {
        out += " ";
        if (this.f.sharp) out += "0" + digits[16];
      }
      out += digits[b[i]! >> 4]! + digits[b[i]! & 0xf]!;
    }
    this.buf += out;
    if (this.f.widPresent && this.f.wid > width && this.f.minus) this.buf += this.padding(this.f.wid - width);
  }

  fmtInteger(v: bigint, base: number, verb: string, upper: boolean): void {
    const negative = v < 0n;
    let u = negative ? -v : v;
    let prec = 0;
    if (this.f.precPresent) {
      prec = this.f.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.f.zero;
        this.f.zero = false;
        this.buf += this.padding(this.f.wid);
        this.f.zero = oldZero;
        return;
      }
    } else if (this.f.zero && !this.f.minus && this.f.widPresent) {
      prec = this.f.wid;
      if (negative || this.f.plus || this.f.space) prec--; // leave room for the sign
    }
    let digits = u.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = "0".repeat(prec - digits.length) + digits;
    if (this.f.sharp) {
      if (base === 2) digits = "0b" + digits;
      else if (base === 8 && digits[0] !== "0") digits = "0" + digits;
      else if (base === 16) digits = (upper ? "0X" : "0x") + digits;
    }
    if (verb === "O") digits = "0o" + digits;
    if (negative) digits = "-" + digits;
    else if (this.f.plus) digits = "+" + digits;
    else if (this.f.space) digits = " " + digits;
    u = 0n;
    const oldZero = this.f.zero;
    this.f.zero = false;
    this.pad(digits);
    this.f.zero = oldZero;
  }

  fmtC(v: bigint): void {
    let cp = v < 0n || v > 0x10ffffn ? 0xfffd : Number(v);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    this.pad(String.fromCodePoint(cp));
  }

  fmtUnicode(v: bigint): void {
    let s = "U+" + (v < 0n ? BigInt.asUintN(64, v) : v).toString(16).toUpperCase().padStart(this.f.precPresent && this.f.prec > 4 ? this.f.prec : 4, "0");
    if (this.f.sharp && v >= 0n && v <= 0x10ffffn && isPrint(Number(v))) s += " '" + String.fromCodePoint(Number(v)) + "'";
    const oldZero = this.f.zero;
    this.f.zero = false;
    this.pad(s);
    this.f.zero = oldZero;
  }

  fmtFloat(v: number, verb: string, prec: number): void {
    if (this.f.precPresent) prec = this.f.prec;
    const fmtChar = (verb === "F" ? "f" : verb) as "e" | "E" | "f" | "g" | "G";
    let num = formatFloat(v, fmtChar, prec);
    if (num[0] !== "-" && num[0] !== "+") num = "+" + num;
    if (this.f.space && num[0] === "+" && !this.f.plus) num = " " + num.slice(1);
    if (num[1] === "I" || num[1] === "N") {
      const oldZero = this.f.zero;
      this.f.zero = false;
      if (num[1] === "N" && !this.f.space && !this.f.plus) num = num.slice(1);
      this.pad(num);
      this.f.zero = oldZero;
      return;
    }
    if (this.f.sharp && verb !== "b") num = sharpFloat(num, verb, prec);
    if (this.f.plus || num[0] !== "+") {
      if (this.f.zero && !this.f.minus && this.f.widPresent && this.f.wid > num.length) {
        this.buf += num[0] + "0".repeat(this.f.wid - num.length) + num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  badVerb(verb: string, arg: unknown): void {
    this.buf += "%!" + verb + "(";
    if (arg === null || arg === undefined) this.buf += "<nil>";
    else {
      this.buf += goTypeName(arg) + "=";
      this.printArg(arg, "v", 0);
    }
    this.buf += ")";
  }

  printArg(arg: unknown, verb: string, depth: number): void {
    if (arg === null || arg === undefined) {
      if (verb === "T" || verb === "v" || depth > 0) this.pad("<nil>");
      else this.badVerb(verb, arg);
      return;
    }
    if (verb === "T") {
      this.fmtS(goTypeName(arg));
      return;
    }
    switch (typeof arg) {
      case "boolean":
        if (verb === "t" || verb === "v") this.pad(arg ? "true" : "false");
        else this.badVerb(verb, arg);
        return;
      case "bigint":
        return this.printInteger(arg, verb);
      case "number":
        return this.printFloat(arg, verb);
      case "string":
        return this.printString(arg, verb);
      case "function":
        if (verb === "v" || verb === "p") this.pad("0x0");
        else this.badVerb(verb, arg);
        return;
    }
    if (this.handleMethods(arg, verb)) return;
    this.printComposite(arg as object, verb, depth);
  }

  private printInteger(v: bigint, verb: string): void {
    switch (verb) {
      case "v":
      case "d":
        return this.fmtInteger(v, 10, verb, false);
      case "b":
        return this.fmtInteger(v, 2, verb, false);
      case "o":
      case "O":
        return this.fmtInteger(v, 8, verb, false);
      case "x":
        return this.fmtInteger(v, 16, verb, false);
      case "X":
        return this.fmtInteger(v, 16, verb, true);
      case "c":
        return this.fmtC(v);
      case "q":
        return this.pad(quoteRune(v < 0n || v > 0x10ffffn ? 0xfffd : Number(v), this.f.plus));
      case "U":
        return this.fmtUnicode(v);
      default:
        return this.badVerb(verb, v);
    }
  }

  private printFloat(v: number, verb: string): void {
    switch (verb) {
      case "v":
        return this.fmtFloat(v, "g", -1);
      case "g":
      case "G":
        return this.fmtFloat(v, verb, -1);
      case "e":
      case "E":
      case "f":
      case "F":
        return this.fmtFloat(v, verb, 6);
      default:
        return this.badVerb(verb, v);
    }
  }

  private printString(s: string, verb: string): void {
    switch (verb) {
      case "v":
        return this.f.sharpV ? this.fmtQ(s) : this.fmtS(s);
      case "s":
        return this.fmtS(s);
      case "x":
        return this.fmtSx(s, false);
      case "X":
        return this.fmtSx(s, true);
      case "q":
        return this.fmtQ(s);
      default:
        return this.badVerb(verb, s);
    }
  }

  /** A struct with a String or Error method prints through it, as with fmt.Stringer. */
  private handleMethods(arg: unknown, verb: string): boolean {
    if (this.f.sharpV || isGoMap(arg) || Array.isArray(arg)) return false;
    const obj = arg as Record<string, unknown>;
    const method = typeof obj.Error === "function" ? obj.Error : typeof obj.String === "function" ? obj.String : undefined;
    if (!method) return false;
    if (!"vsxXq".includes(verb)) return false;
    this.printString(String((method as () => unknown).call(obj)), verb);
    return true;
  }

  private printComposite(v: object, verb: string, depth: number): void {
    if (Array.isArray(v)) {
      if (this.f.sharpV) {
        this.buf += "[]interface {}{";
        v.forEach((e, i) => {
          if (i > 0) this.buf += ", ";
          this.printArg(e, verb, depth + 1);
        });
        this.buf += "}";
        return;
      }
      this.buf += "[";
      v.forEach((e, i) => {
        if (i > 0) this.buf += " ";
        this.printArg(e === undefined ? null : e, verb, depth + 1);
      });
      this.buf += "]";
      return;
    }
    if (isGoMap(v)) {
      const keys = sortedKeys(v);
      if (this.f.sharpV) {
        this.buf += "map[string]interface {}{";
        keys.forEach((k, i) => {
          if (i > 0) this.buf += ", ";
          this.printArg(k, verb, depth + 1);
          this.buf += ":";
          this.printArg(v[k] === undefined ? null : v[k], verb, depth + 1);
        });
        this.buf += "}";
        return;
      }
      this.buf += "map[";
      keys.forEach((k, i) => {
        if (i > 0) this.buf += " ";
        this.printArg(k, verb, depth + 1);
        this.buf += ":";
        this.printArg(v[k] === undefined ? null : v[k], verb, depth + 1);
      });
      this.buf += "]";
      return;
    }
    // A struct: its fields in declaration order.
    const rec = v as Record<string, unknown>;
    const fields = Object.keys(rec).filter((k) => typeof rec[k] !== "function");
    this.buf += "{";
    fields.forEach((k, i) => {
      if (i > 0) this.buf += " ";
      if (this.f.plusV || this.f.sharpV) this.buf += k + ":";
      this.printArg(rec[k] === undefined ? null : rec[k], verb, depth + 1);
    });
    this.buf += "}";
  }
}

/** The '#' flag on floats: keep the decimal point and (for %g) trailing zeros. */
function sharpFloat(num: string, verb: string, prec: number): string {
  let digits = 0;
  if (verb === "v" || verb === "g" || verb === "G" || verb === "x") {
    digits = prec;
    if (digits === -1) digits = 6;
  }
  let tail = "";
  const expAt = num.search(/[eEpP]/);
  if (expAt >= 0) {
    tail = num.slice(expAt);
    num = num.slice(0, expAt);
  }
  let sawNonzero = false;
  let sawDot = false;
  for (let i = 1; i < num.length; i++) {
    const c = num[i]!;
    if (c === ".") sawDot = true;
    else if (c === "0") {
      if (sawNonzero) digits--;
    } else {
      sawNonzero = true;
      digits--;
    }
  }
  if (!sawDot) {
    if (num.length === 2 && num[1] === "0") digits--;
    num += ".";
  }
  if (digits > 0) num += "0".repeat(digits);
  return num + tail;
}

const tooLarge = (x: number): boolean => x > 1e6 || x < -1e6;

function parseNum(s: string, start: number, end: number): { num: number; isNum: boolean; next: number } {
  if (start >= end) return { num: 0, isNum: false, next: end };
  let num = 0;
  let isNum = false;
  let i = start;
  for (; i < end && s[i]! >= "0" && s[i]! <= "9"; i++) {
    if (tooLarge(num)) return { num: 0, isNum: false, next: end };
    num = num * 10 + (s.charCodeAt(i) - 48);
    isNum = true;
  }
  return { num, isNum, next: i };
}

function intFromArg(a: unknown[], argNum: number): { num: number; isInt: boolean; argNum: number } {
  let num = 0;
  let isInt = false;
  if (argNum < a.length) {
    const v = a[argNum];
    if (typeof v === "bigint" && v >= -(1n << 63n) && v < 1n << 63n) {
      num = Number(v);
      isInt = true;
    }
    argNum++;
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
  }
  return { num, isInt, argNum };
}

/** fmt.Sprintf with Go's verbs, flags and error notations. */
export function sprintf(format: string, ...a: unknown[]): string {
  const p = new Printer();
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  let reordered = false;
  let goodArgNum = true;

  const argNumber = (i: number): { i: number; found: boolean } => {
    if (format.length <= i || format[i] !== "[") return { i, found: false };
    reordered = true;
    const rest = format.slice(i);
    let index = 0;
    let wid = 1;
    let ok = false;
    if (rest.length >= 3) {
      for (let j = 1; j < rest.length; j++) {
        if (rest[j] === "]") {
          const n = parseNum(rest, 1, j);
          if (!n.isNum || n.next !== j) {
            wid = j + 1;
          } else {
            index = n.num - 1;
            wid = j + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < a.length) {
      argNum = index;
      return { i: i + wid, found: true };
    }
    goodArgNum = false;
    return { i: i + wid, found: ok };
  };

  let i = 0;
  formatLoop: while (i < end) {
    goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== "%") i++;
    if (i > lasti) p.buf += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.f = clearFlags();
    simple: for (; i < end; i++) {
      const c = format[i]!;
      switch (c) {
        case "#":
          p.f.sharp = true;
          break;
        case "0":
          p.f.zero = !p.f.minus; // only pad with zeros on the left
          break;
        case "+":
          p.f.plus = true;
          break;
        case "-":
          p.f.minus = true;
          p.f.zero = false;
          break;
        case " ":
          p.f.space = true;
          break;
        default:
          if (c >= "a" && c <= "z" && argNum < a.length) {
            if (c === "v") {
              p.f.sharpV = p.f.sharp;
              p.f.sharp = false;
              p.f.plusV = p.f.plus;
              p.f.plus = false;
            }
            p.printArg(a[argNum], c, 0);
            argNum++;
            i++;
            continue formatLoop;
          }
          break simple;
      }
    }

    let r = argNumber(i);
    i = r.i;
    afterIndex = r.found;

    if (i < end && format[i] === "*") {
      i++;
      const w = intFromArg(a, argNum);
      p.f.wid = w.num;
      p.f.widPresent = w.isInt;
      argNum = w.argNum;
      if (!p.f.widPresent) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
        p.f.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parseNum(format, i, end);
      p.f.wid = n.num;
      p.f.widPresent = n.isNum;
      i = n.next;
      if (afterIndex && p.f.widPresent) goodArgNum = false;
    }

    if (i + 1 < end && format[i] === ".") {
      i++;
      if (afterIndex) goodArgNum = false;
      r = argNumber(i);
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === "*") {
        i++;
        const w = intFromArg(a, argNum);
        p.f.prec = w.num;
        p.f.precPresent = w.isInt;
        argNum = w.argNum;
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.precPresent = false;
        }
        if (!p.f.precPresent) p.buf += "%!(BADPREC)";
        afterIndex = false;
      } else {
        const n = parseNum(format, i, end);
        p.f.prec = n.num;
        p.f.precPresent = n.isNum;
        i = n.next;
        if (!p.f.precPresent) {
          p.f.prec = 0;
          p.f.precPresent = true;
        }
      }
    }

    if (!afterIndex) {
      r = argNumber(i);
      i = r.i;
      afterIndex = r.found;
    }

    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }

    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;

    if (verb === "%") p.buf += "%";
    else if (!goodArgNum) p.buf += "%!" + verb + "(BADINDEX)";
    else if (argNum >= a.length) p.buf += "%!" + verb + "(MISSING)";
    else {
      if (verb === "v") {
        p.f.sharpV = p.f.sharp;
        p.f.sharp = false;
        p.f.plusV = p.f.plus;
        p.f.plus = false;
      }
      p.printArg(a[argNum], verb, 0);
      argNum++;
    }
  }

  if (!reordered && argNum < a.length) {
    p.f = clearFlags();
    p.buf += "%!(EXTRA ";
    a.slice(argNum).forEach((arg, k) => {
      if (k > 0) p.buf += ", ";
      if (arg === null || arg === undefined) p.buf += "<nil>";
      else {
        p.buf += goTypeName(arg) + "=";
        p.printArg(arg, "v", 0);
      }
    });
    p.buf += ")";
  }
  return p.buf;
}

/** One value printed with a single verb and no flags (Go's %v by default). */
export function formatValue(v: unknown, verb = "v"): string {
  const p = new Printer();
  p.printArg(v === undefined ? null : v, verb, 0);
  return p.buf;
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(...a: unknown[]): string {
  const p = new Printer();
  let prevString = false;
  a.forEach((arg, k) => {
    const isString = typeof arg === "string";
    if (k > 0 && !isString && !prevString) p.buf += " ";
    p.printArg(arg === undefined ? null : arg, "v", 0);
    prevString = isString;
  });
  return p.buf;
}

/** fmt.Sprintln: spaces between all operands and a trailing newline. */
export function sprintln(...a: unknown[]): string {
  const p = new Printer();
  a.forEach((arg, k) => {
    if (k > 0) p.buf += " ";
    p.printArg(arg === undefined ? null : arg, "v", 0);
  });
  return p.buf + "\n";
}
