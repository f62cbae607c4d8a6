// What upstream refuses while decoding a body into its Go type, before defaults or
// validation run: a value of the wrong JSON type, or a metadata timestamp that is not
// RFC 3339. Both are 400 BadRequest there ("… cannot be handled as a ConfigMap: json:
// cannot unmarshal number into Go struct field ObjectMeta.metadata.uid of type string").
import type { KindDef } from "../kinds/kind.ts";
import { badRequest } from "../errors.ts";
import { objectTypes } from "../validation/schema/kube-schema.generated.ts";
import { wrongTypes } from "../validation/schema/type-check.ts";

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const TIMESTAMPS = ["creationTimestamp", "deletionTimestamp"] as const;

export function checkDecodable(kind: KindDef, obj: Record<string, unknown>): void {
  const wrong = wrongTypes(kind, obj)[0];
  if (wrong) {
    const { field, goType } = goField(wrong.path, wrong.owner);
    throw cannotHandle(kind, `json: cannot unmarshal ${jsonKind(wrong.value)} into Go struct field ${field} of type ${goType}`);
  }
  const meta = obj.metadata as Record<string, unknown> | undefined;
  for (const name of TIMESTAMPS) {
    const v = meta?.[name];
    if (typeof v === "string" && !(RFC3339.test(v) && !Number.isNaN(Date.parse(v)))) {
      throw cannotHandle(kind, `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`);
    }
  }
}

function cannotHandle(kind: KindDef, why: string) {
  return badRequest(`${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: ${why}`);
}

/** Go's names for JSON values in its decode errors. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v === "object" ? "object" : typeof v;
}

/**
 * "ObjectMeta.metadata.labels" and "map[string]string" for the path "metadata.labels": list
 * indexes and map keys are not part of Go's field path, and each one strips a level off
 * the field's type ("[]#…Container" at "spec.containers[0]" is a v1.Container).
 */
function goField(path: string, owner: string | undefined): { field: string; goType: string } {
  const trailing = /(\[[^\]]*\])*$/.exec(path)![0];
  const goPath = path.slice(0, path.length - trailing.length).replace(/\[[^\]]*\]/g, "");
  const name = goPath.slice(goPath.lastIndexOf(".") + 1);
  const table = owner ? objectTypes[owner] : undefined;
  let code = table && Object.hasOwn(table, name) ? table[name]! : "";
  for (let levels = (trailing.match(/\[/g) ?? []).length; levels > 0; levels--) code = code.slice(2);
  return { field: `${owner ? owner.slice(owner.lastIndexOf(".") + 1) : ""}.${goPath}`, goType: goType(code) };
}

function goType(code: string): string {
  if (code.startsWith("[]")) return `[]${goType(code.slice(2))}`;
  if (code.startsWith("{}")) return `map[string]${goType(code.slice(2))}`;
  if (code.startsWith("#")) return code.slice(1).split("/").pop()!; // "#meta/v1.ObjectMeta" → "v1.ObjectMeta"
  return { boolean: "bool", number: "float64", "int-or-string": "intstr.IntOrString", any: "interface {}" }[code] ?? (code || "interface {}");
}
