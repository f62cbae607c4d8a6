// Walks an object against the generated schema table: fields the kind does not know
// (for fieldValidation=Strict/Warn) and values of the wrong JSON type (422 Invalid).
import type { FieldError, KindDef, KubeObject } from "../../kinds/kind.ts";
import { kindRoots, objectTypes } from "./kube-schema.generated.ts";
import { goValue } from "../go-format.ts";

type Visit = {
  unknown: (path: string) => void;
  wrongType: (path: string, value: unknown, expected: string) => void;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const jsonType = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v);

function walk(code: string, value: unknown, path: string, v: Visit) {
  if (value === null || value === undefined) return; // null decodes to the zero value
  if (code === "any") return;
  if (code === "string") {
    if (typeof value !== "string") v.wrongType(path, value, "string");
  } else if (code === "integer") {
    if (typeof value !== "number" || !Number.isInteger(value)) v.wrongType(path, value, "integer");
  } else if (code === "boolean") {
    if (typeof value !== "boolean") v.wrongType(path, value, "boolean");
  } else if (code === "int-or-string") {
    if (typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) v.wrongType(path, value, "int-or-string");
  } else if (code.startsWith("[]")) {
    if (!Array.isArray(value)) return v.wrongType(path, value, "array");
    value.forEach((item, i) => walk(code.slice(2), item, `${path}[${i}]`, v));
  } else if (code.startsWith("{}")) {
    if (!isObject(value)) return v.wrongType(path, value, "object");
    for (const [k, item] of Object.entries(value)) walk(code.slice(2), item, `${path}[${k}]`, v);
  } else if (code.startsWith("#")) {
    if (!isObject(value)) return v.wrongType(path, value, "object");
    const fields = objectTypes[code.slice(1)] ?? {};
    for (const [k, item] of Object.entries(value)) {
      const child = path ? `${path}.${k}` : k;
      const fieldCode = fields[k];
      if (fieldCode === undefined) v.unknown(child);
      else walk(fieldCode, item, child, v);
    }
  }
}

const rootOf = (kind: Pick<KindDef, "kind"> | string) => kindRoots[typeof kind === "string" ? kind : kind.kind];

/**
 * Fields of `obj` the kind's schema does not know, as `.spec.replica` paths
 * (list items as `[0]`, map entries as `[key]`). Unknown kinds know every field.
 */
export function unknownFields(kind: Pick<KindDef, "kind"> | string, obj: unknown): string[] {
  const root = rootOf(kind);
  if (!root) return [];
  const found: string[] = [];
  walk(root, obj, "", { unknown: (p) => found.push(`.${p}`), wrongType: () => {} });
  return found;
}

/** Values whose JSON type is not what the schema says (a string where an integer belongs…). */
export function typeErrors(kind: Pick<KindDef, "kind"> | string, obj: unknown): FieldError[] {
  const root = rootOf(kind);
  if (!root) return [];
  const errors: FieldError[] = [];
  walk(root, obj, "", {
    unknown: () => {},
    wrongType: (path, value, expected) =>
      errors.push({ field: path, reason: "FieldValueInvalid", message: `Invalid value: ${goValue(value)}: ${path} in body must be of type ${expected}: ${JSON.stringify(jsonType(value))}` }),
  });
  return errors;
}

/**
 * A kind's validate function that first checks value types, and runs the semantic checks
 * only on a well-typed object (they assume the declared shapes).
 */
export function withSchema<T extends KubeObject>(kind: string, semantic: (obj: T, old?: T) => FieldError[]): (obj: T, old?: T) => FieldError[] {
  return (obj, old) => {
    const types = typeErrors(kind, obj);
    if (types.length) return types;
    return semantic(obj, old);
  };
}
