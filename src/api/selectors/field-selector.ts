// Field selectors (`?fieldSelector=spec.nodeName=n1,status.phase!=Failed`): only `=`, `==`
// and `!=`, over the fields each kind declares (metadata.name and metadata.namespace always).
import type { KindDef, KubeObject } from "../kinds/kind.ts";

export type FieldRequirement = { field: string; operator: "=" | "==" | "!="; value: string };

export class FieldSelectorError extends Error {}

/**
 * fields.ParseSelector: terms split on unescaped commas; `\,` `\=` `\!` `\\` escape.
 * An empty string selects everything.
 */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(selector).sort()) {
    if (term === "") continue;
    const parsed = splitTerm(term);
    if (!parsed) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const [field, operator, raw] = parsed;
    reqs.push({ field, operator, value: unescape(raw, selector) });
  }
  return reqs;
}

function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** Operators tried in upstream's order: `!=`, `==`, `=`. */
function splitTerm(term: string): [string, "!=" | "==" | "=", string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescape(v: string, selector: string): string {
  let out = "";
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === "\\") {
      const n = v[i + 1];
      if (n === undefined || !"\\,=!".includes(n)) throw new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${n ?? ""}`);
      out += n;
      i++;
    } else if (c === "," || c === "=") {
      throw new FieldSelectorError(`invalid field selector: unescaped character ${c}`);
    } else out += c;
  }
  return out;
}

/** The value of a selectable field, or undefined when the kind does not support it. */
export function fieldGetter(kind: KindDef, field: string): ((o: KubeObject) => string) | undefined {
  if (field === "metadata.name") return (o) => o.metadata?.name ?? "";
  if (field === "metadata.namespace") return kind.namespaced ? (o) => o.metadata?.namespace ?? "" : () => "";
  const g = kind.fieldSelectors?.[field];
  return g ? (o) => g(o) ?? "" : undefined;
}

/** A matcher for a `?fieldSelector=` string; throws FieldSelectorError (a 400) on a bad or unknown field. */
export function fieldMatcher(kind: KindDef, selector: string): (o: KubeObject) => boolean {
  const checks = parseFieldSelector(selector).map((r) => {
    const get = fieldGetter(kind, r.field);
    if (!get) throw new FieldSelectorError(`field label not supported: ${r.field}`);
    return r.operator === "!=" ? (o: KubeObject) => get(o) !== r.value : (o: KubeObject) => get(o) === r.value;
  });
  return (o) => checks.every((c) => c(o));
}
