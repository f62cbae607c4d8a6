// Values rendered the way Go's field.Error does (%q for strings, %v for numbers and
// booleans, %#v otherwise), because those strings end up verbatim in kubectl's output.

/** Go type names for the structs whose %#v rendering appears in upstream messages. */
export type GoStruct = { goType: string; fields: [string, unknown, string][] };

export function goValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return goStringSlice(value as string[]);
  if (isGoStruct(value)) return goStruct(value);
  return JSON.stringify(value);
}

export function goStringSlice(values: string[] | undefined): string {
  if (!values) return "[]string(nil)";
  return `[]string{${values.map((v) => JSON.stringify(v)).join(", ")}}`;
}

export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(", ")}}`;
}

function isGoStruct(v: unknown): v is GoStruct {
  return typeof v === "object" && v !== null && typeof (v as GoStruct).goType === "string" && Array.isArray((v as GoStruct).fields);
}

function goStruct(s: GoStruct): string {
  return `${s.goType}{${s.fields.map(([name, , rendered]) => `${name}:${rendered}`).join(", ")}}`;
}

type Req = { key?: string; operator?: string; values?: string[] };

/** A metav1.LabelSelector as `%#v` prints it (used in "field is immutable" messages). */
export function goLabelSelector(sel: { matchLabels?: Record<string, string>; matchExpressions?: Req[] } | undefined): GoStruct | null {
  if (!sel) return null;
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key ?? "")}, Operator:${JSON.stringify(e.operator ?? "")}, Values:${goStringSlice(e.values)}}`)
        .join(", ")}}`
    : "[]v1.LabelSelectorRequirement(nil)";
  return {
    goType: "v1.LabelSelector",
    fields: [
      ["MatchLabels", sel.matchLabels, goStringMap(sel.matchLabels)],
      ["MatchExpressions", sel.matchExpressions, exprs],
    ],
  };
}
