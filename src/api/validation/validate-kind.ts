// Everything a write is checked against, from the kind's declaration: value types from the
// upstream type's schema first (the semantic checks assume the declared shapes), then the
// kind's own semantic checks.
import type { FieldError, KindDef, KubeObject } from "../kinds/kind.ts";
import { typeErrors } from "./schema/type-check.ts";

export function validateAgainstKind(kind: KindDef, obj: KubeObject, old?: KubeObject): FieldError[] {
  const typed = typeErrors(kind, obj);
  return typed.length ? typed : (kind.validate?.(obj, old) ?? []);
}
