// Walks an object against the generated schema table: fields the kind does not know
// (for fieldValidation=Strict/Warn) and values of the wrong JSON type (422 Invalid).
import type { FieldError, KindDef } from "../../kinds/kind.ts";
import { objectTypes } from "./kube-schema.generated.ts";
import { goValue } from "../go-format.ts";

type Visit = {
  unknown: (path: string) => void;
  /** `owner`: the schema type holding the field ("meta/v1.ObjectMeta"), for Go-style decode messages. */
  wrongType: (path: string, value: unknown, expected: string, owner?: string) => void;
  outOfRange: (path: string, value: number, bound: string, above: boolean) => void;
};

// Go's int32/int64 bounds. 2^63 - 1 is not a double: any parsed value at or above 2^63 is out of range.
const RANGES = {
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, minText: "-2147483648", maxText: "2147483647" },
  int64: { min: -(2 ** 63), max: 2 ** 63, minText: "-9223372036854775808", maxText: "9223372036854775807" },
} as const;

function checkInteger(width: keyof typeof RANGES, value: unknown, path: string, v: Visit, owner?: string) {
  if (typeof value !== "number" || !Number.isInteger(value)) return v.wrongType(path, value, "integer", owner);
  const r = RANGES[width];
  if (width === "int64" ? value >= r.max : value > r.max) v.outOfRange(path, value, r.maxText, true);
  else if (value < r.min) v.outOfRange(path, value, r.minText, false);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v);

function walk(code: string, value: unknown, path: string, v: Visit, owner?: string) {
  if (value === null || value === undefined) return; // null decodes to the zero value
  if (code === "any") return;
  if (code === "string") {
    if (typeof value !== "string") v.wrongType(path, value, "string", owner);
  } else if (code === "int32" || code === "int64") {
    checkInteger(code, value, path, v, owner);
  } else if (code === "number") {
    if (typeof value !== "number") v.wrongType(path, value, "number", owner);
  } else if (code === "boolean") {
    if (typeof value !== "boolean") v.wrongType(path, value, "boolean", owner);
  } else if (code === "int-or-string") {
    // IntOrString holds an int32.
    if (typeof value === "number" && Number.isInteger(value)) checkInteger("int32", value, path, v, owner);
    else if (typeof value !== "string") v.wrongType(path, value, "int-or-string", owner);
  } else if (code.startsWith("[]")) {
    if (!Array.isArray(value)) return v.wrongType(path, value, "array", owner);
    value.forEach((item, i) => walk(code.slice(2), item, `${path}[${i}]`, v, owner));
  } else if (code.startsWith("{}")) {
    if (!isObject(value)) return v.wrongType(path, value, "object", owner);
    for (const [k, item] of Object.entries(value)) walk(code.slice(2), item, `${path}[${k}]`, v, owner);
  } else if (code.startsWith("#")) {
    if (!isObject(value)) return v.wrongType(path, value, "object", owner);
    const type = code.slice(1);
    const fields = objectTypes[type] ?? {};
    for (const [k, item] of Object.entries(value)) {
      const child = path ? `${path}.${k}` : k;
      // Own fields only: a body key such as "constructor" or "__proto__" is an unknown field, not Object.prototype's.
      const fieldCode = Object.hasOwn(fields, k) ? fields[k] : undefined;
      if (fieldCode === undefined) v.unknown(child);
      else walk(fieldCode, item, child, v, type);
    }
  }
}

type Typed = Pick<KindDef, "schema">;

/** The kind's root type code; a kind whose type is not in the generated table knows every field (the declarations test refuses that). */
const rootOf = (kind: Typed) => (Object.hasOwn(objectTypes, kind.schema.validation) ? `#${kind.schema.validation}` : undefined);

/**
 * Fields of `obj` the kind's schema does not know, as `.spec.replica` paths
 * (list items as `[0]`, map entries as `[key]`). Unknown kinds know every field.
 */
export function unknownFields(kind: Typed, obj: unknown): string[] {
  const root = rootOf(kind);
  if (!root) return [];
  const found: string[] = [];
  walk(root, obj, "", { unknown: (p) => found.push(`.${p}`), wrongType: () => {}, outOfRange: () => {} });
  return found;
}

/** Values whose JSON type is not what the schema says (a string where an integer belongs…), and integers outside their int32/int64 range. */
export function typeErrors(kind: Typed, obj: unknown): FieldError[] {
  const root = rootOf(kind);
  if (!root) return [];
  const errors: FieldError[] = [];
  walk(root, obj, "", {
    unknown: () => {},
    wrongType: (path, value, expected) =>
      errors.push({ field: path, reason: "FieldValueInvalid", message: `Invalid value: ${goValue(value)}: ${path} in body must be of type ${expected}: ${JSON.stringify(jsonType(value))}` }),
    outOfRange: (path, value, bound, above) =>
      errors.push({ field: path, reason: "FieldValueInvalid", message: `Invalid value: ${goValue(value)}: must be ${above ? "less" : "greater"} than or equal to ${bound}` }),
  });
  return errors;
}

/** Values of the wrong JSON type, each with the schema type holding its field: what Go's JSON decoder refuses. */
export function wrongTypes(kind: Typed, obj: unknown): { path: string; value: unknown; owner?: string }[] {
  const root = rootOf(kind);
  if (!root) return [];
  const found: { path: string; value: unknown; owner?: string }[] = [];
  walk(root, obj, "", { unknown: () => {}, wrongType: (path, value, _expected, owner) => found.push({ path, value, owner }), outOfRange: () => {} });
  return found;
}
