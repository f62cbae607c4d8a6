// The patch schema of a group/version/kind: a served kind's `schema.patch` from its
// declaration; other types (Scale, PodTemplate) get ObjectMeta's rules and plain maps.
import type { Schema } from "./schema.ts";
import { allKinds } from "../kinds/index.ts";
import { object, podTemplateSpec } from "./upstream-types.ts";

// Not served as kinds, but patched: Scale through the scale subresource, PodTemplate in tests of templates.
const UNSERVED: Record<string, Schema> = {
  "/v1/PodTemplate": object({ template: podTemplateSpec }),
};
const GENERIC = object();

let byGvk: Map<string, Schema> | undefined;
/** Kinds served while running (custom resources), by group/version/kind. */
const served = new Map<string, Schema>();

export function setServedSchema(gvk: { group: string; version: string; kind: string }, schema: Schema | undefined) {
  const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
  if (schema) served.set(key, schema);
  else served.delete(key);
}

export function schemaFor(gvk: { group: string; version: string; kind: string }): Schema {
  // Built on first use: the kinds' declarations import the pieces this module's callers load first.
  byGvk ??= new Map(allKinds.map((k) => [`${k.group}/${k.version}/${k.kind}`, k.schema.patch]));
  const key = `${gvk.group}/${gvk.version}/${gvk.kind}`;
  return byGvk.get(key) ?? served.get(key) ?? UNSERVED[key] ?? GENERIC;
}
