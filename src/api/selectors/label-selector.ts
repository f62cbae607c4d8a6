// Label selectors: the string form used in `?labelSelector=` (parsed with upstream's
// grammar and error messages, k8s.io/apimachinery/pkg/labels) and the LabelSelector
// object of workload specs (matchLabels + matchExpressions).
import { isQualifiedName, isValidLabelValue } from "../validation/names.ts";

export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
export type Requirement = { key: string; operator: Operator; values: string[] };
export type Labels = Record<string, string>;

export type LabelSelectorObject = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

export class SelectorParseError extends Error {}

type Tok = "err" | "eos" | ")" | "," | "!" | "==" | "=" | ">" | "id" | "in" | "<" | "!=" | "notin" | "(";
// No prototype: a label key such as "constructor" is an identifier, not an inherited property.
const literals: Record<string, Tok> = Object.assign(Object.create(null), { ")": ")", ",": ",", "!": "!", "==": "==", "=": "=", ">": ">", in: "in", "<": "<", "!=": "!=", notin: "notin", "(": "(" });
const isSpecial = (c: string) => "=!(),><".includes(c);
const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";

function lex(s: string): { tok: Tok; lit: string }[] {
  const items: { tok: Tok; lit: string }[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isSpace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: "eos", lit: "" });
      return items;
    }
    if (isSpecial(s[pos]!)) {
      // The longest run of special characters that still forms a known operator.
      let buf = "";
      let last: { tok: Tok; lit: string } | undefined;
      while (pos < s.length && isSpecial(s[pos]!)) {
        buf += s[pos];
        pos++;
        const t = literals[buf];
        if (t) last = { tok: t, lit: buf };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: "err", lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = "";
    while (pos < s.length && !isSpecial(s[pos]!) && !isSpace(s[pos]!)) buf += s[pos++];
    const t = literals[buf];
    items.push({ tok: t ?? "id", lit: buf });
  }
}

/** `field.Invalid(nil path, value, detail)` as Go prints it. */
const invalidAt = (value: string, detail: string) => `<nil>: Invalid value: ${JSON.stringify(value)}: ${detail}`;

function checkKey(key: string) {
  const errs = isQualifiedName(key);
  if (errs.length) throw new SelectorParseError(invalidAt(key, errs.join("; ")));
}

// NewRequirement reports values at `values[i][key]` (its path starts empty).
function checkValue(key: string, value: string, i: number) {
  const errs = isValidLabelValue(value);
  if (errs.length) throw new SelectorParseError(`values[${i}][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join("; ")}`);
}

/** Parse the string form; throws SelectorParseError with upstream's message. */
export function parseLabelSelector(selector: string): Requirement[] {
  const items = lex(selector);
  let pos = 0;
  // In value position the keywords `in`/`notin` are plain identifiers.
  const asValue = (t: Tok): Tok => (t === "in" || t === "notin" ? "id" : t);
  const look = () => ({ tok: asValue(items[pos]!.tok), lit: items[pos]!.lit });
  const take = (values = true) => {
    const it = items[pos++]!;
    return { tok: values ? asValue(it.tok) : it.tok, lit: it.lit };
  };
  const fail = (msg: string): never => {
    throw new SelectorParseError(msg);
  };

  const requirement = (): Requirement => {
    let op: Operator | undefined;
    let t = take();
    if (t.tok === "!") {
      op = "!";
      t = take();
    }
    if (t.tok !== "id") fail(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    checkKey(key);
    const next = look().tok;
    if (next === "eos" || next === ",") return { key, operator: op ?? "exists", values: [] };
    if (op === "!") return { key, operator: "!", values: [] };
    const o = take(false);
    const ops: Partial<Record<Tok, Operator>> = { in: "in", "=": "=", "==": "==", ">": "gt", "<": "lt", notin: "notin", "!=": "!=" };
    const operator = ops[o.tok];
    if (!operator) return fail(`found '${o.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    let values: string[];
    if (operator === "in" || operator === "notin") values = valueSet();
    else values = [exactValue()];
    values.forEach((v, i) => checkValue(key, v, i));
    if ((operator === "gt" || operator === "lt") && !/^[+-]?\d+$/.test(values[0]!)) {
      fail(`values[0]: Invalid value: ${JSON.stringify(values[0])}: for 'Gt', 'Lt' operators, the value must be an integer`);
    }
    return { key, operator, values };
  };

  const exactValue = (): string => {
    const l = look().tok;
    if (l === "eos" || l === ",") return "";
    const t = take();
    if (t.tok === "id") return t.lit;
    return fail(`found '${t.lit}', expected: identifier`);
  };

  const valueSet = (): string[] => {
    const open = take();
    if (open.tok !== "(") fail(`found '${open.lit}' expected: '('`);
    const first = look();
    if (first.tok === ")") {
      take();
      return [""];
    }
    if (first.tok !== "id" && first.tok !== ",") fail(`found '${first.lit}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const t = take();
      if (t.tok === "id") {
        set.add(t.lit);
        const n = look();
        if (n.tok === ",") continue;
        if (n.tok === ")") break;
        fail(`found '${n.lit}', expected: ',' or ')'`);
      } else if (t.tok === ",") {
        if (set.size === 0) set.add("");
        const n = look().tok;
        if (n === ")") {
          set.add("");
          break;
        }
        if (n === ",") {
          take();
          set.add("");
        }
      } else fail(`found '${t.lit}', expected: ',', or identifier`);
    }
    if (take().tok !== ")") fail(`found '${first.lit}', expected: ')'`);
    return [...set].sort();
  };

  const reqs: Requirement[] = [];
  for (;;) {
    const t = look();
    if (t.tok === "eos") break;
    if (t.tok !== "id" && t.tok !== "!") fail(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
    try {
      reqs.push(requirement());
    } catch (e) {
      if (e instanceof SelectorParseError) throw new SelectorParseError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
    const after = take();
    if (after.tok === "eos") break;
    if (after.tok !== ",") fail(`found '${after.lit}', expected: ',' or 'end of string'`);
    const n = look().tok;
    if (n !== "id" && n !== "!") fail(`found '${look().lit}', expected: identifier after ','`);
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(v!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(v!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || !/^[+-]?\d+$/.test(v!)) return false;
      const a = Number(v);
      const b = Number(r.values[0]);
      return r.operator === "gt" ? a > b : a < b;
    }
  }
}

export function matchesAll(reqs: Requirement[], labels: Labels): boolean {
  return reqs.every((r) => requirementMatches(r, labels));
}

/** A matcher for a `?labelSelector=` string; throws SelectorParseError on bad syntax. */
export function labelMatcher(selector: string): (labels: Labels) => boolean {
  const reqs = parseLabelSelector(selector);
  return (labels) => matchesAll(reqs, labels ?? {});
}

export function requirementToString(r: Requirement): string {
  const vals = [...r.values].sort().join(",");
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
      return `${r.key} in (${vals})`;
    case "notin":
      return `${r.key} notin (${vals})`;
    case "gt":
      return `${r.key}>${vals}`;
    case "lt":
      return `${r.key}<${vals}`;
    default:
      return `${r.key}${r.operator}${vals}`;
  }
}

/**
 * metav1.LabelSelectorAsSelector: matchLabels become `k=v`, expressions In/NotIn/Exists/
 * DoesNotExist; requirements sorted by key. An empty or absent selector selects everything
 * (callers that need "nil selects nothing" check for absence themselves).
 */
export function labelSelectorRequirements(sel: LabelSelectorObject | undefined | null): Requirement[] {
  if (!sel) return [];
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, operator: "=", values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as Record<string, Operator>)[e.operator];
    if (!op) throw new SelectorParseError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    reqs.push({ key: e.key, operator: op, values: op === "exists" || op === "!" ? [] : [...(e.values ?? [])] });
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The string form of a LabelSelector, as `kubectl get rs -o wide` and Scale.status.selector show it. */
export function labelSelectorToString(sel: LabelSelectorObject | undefined | null): string {
  return labelSelectorRequirements(sel).map(requirementToString).join(",");
}

/** A matcher for a LabelSelector object. */
export function labelSelectorMatcher(sel: LabelSelectorObject | undefined | null): (labels: Labels) => boolean {
  const reqs = labelSelectorRequirements(sel);
  return (labels) => matchesAll(reqs, labels ?? {});
}

/** labels.FormatLabels: `a=b,c=d` sorted by key, or `<none>`. */
export function formatLabels(labels: Labels | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}
