// Field errors worded as upstream's k8s.io/apimachinery/pkg/util/validation/field does,
// so that `kubectl` prints the same `<field>: <Type>: <value>: <detail>` lines.
import type { FieldError } from "../kinds/kind.ts";
import { goValue } from "./go-format.ts";

export function required(field: string, detail = ""): FieldError {
  return { field, reason: "FieldValueRequired", message: detail ? `Required value: ${detail}` : "Required value" };
}

export function invalidValue(field: string, value: unknown, detail: string): FieldError {
  return { field, reason: "FieldValueInvalid", message: `Invalid value: ${goValue(value)}${detail ? `: ${detail}` : ""}` };
}

/** An Invalid error whose value is already rendered in Go syntax. */
export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  return { field, reason: "FieldValueInvalid", message: `Invalid value: ${rendered}: ${detail}` };
}

export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(", ");
  return { field, reason: "FieldValueNotSupported", message: `Unsupported value: ${goValue(value)}${supported.length ? `: supported values: ${list}` : ""}` };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { field, reason: "FieldValueDuplicate", message: `Duplicate value: ${goValue(value)}` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, reason: "FieldValueForbidden", message: `Forbidden: ${detail}` };
}

export function tooLong(field: string, max: number): FieldError {
  return { field, reason: "FieldValueTooLong", message: `Too long: may not be more than ${max} bytes` };
}

/** `spec.containers` + 0 → `spec.containers[0]`; `metadata.labels` + "a/b" → `metadata.labels[a/b]`. */
export const at = (path: string, i: number | string) => `${path}[${i}]`;

export function notFound(field: string, value: unknown): FieldError {
  return { field, reason: "FieldValueNotFound", message: `Not found: ${goValue(value)}` };
}
