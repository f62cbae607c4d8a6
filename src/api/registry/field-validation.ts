// fieldValidation=Strict|Warn|Ignore: what to do with fields the kind's schema does not know.
import type { KindDef } from "../kinds/kind.ts";
import { invalid } from "../errors.ts";
import { unknownFields } from "../validation/index.ts";
import type { FieldValidation } from "./registry.ts";

export function checkUnknownFields(kind: KindDef, body: unknown, name: string, mode: FieldValidation, warnings?: string[]) {
  if (mode === "Ignore") return;
  const unknown = kind.unknownFields ? kind.unknownFields(body) : unknownFields(kind, body);
  if (!unknown.length) return;
  if (mode === "Warn") {
    for (const f of unknown as string[]) warnings?.push(`unknown field "${f.replace(/^\./, "")}"`);
    return;
  }
  throw invalid(
    kind.kind,
    kind.group,
    name,
    unknown.map((f) => ({ field: f.replace(/^\./, ""), reason: "FieldValueInvalid" as const, message: `strict decoding error: unknown field "${f.replace(/^\./, "")}"` })),
  );
}
