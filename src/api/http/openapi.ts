// The smallest OpenAPI v3 document set that tells kubectl the server validates fields
// itself: one PATCH operation per kind carrying the fieldValidation parameter.
import type { KindDef } from "../kinds/kind.ts";

const gvPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

export function openapiRoot(kinds: KindDef[]) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const k of kinds) {
    const p = gvPath(k.group, k.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(kinds, k.group, k.version)}` };
  }
  return { paths };
}

export function openapiGroupVersion(kinds: KindDef[], group: string, version: string) {
  const list = kinds.filter((k) => k.group === group && k.version === version);
  if (!list.length) return undefined;
  const paths: Record<string, unknown> = {};
  for (const k of list) {
    const base = `/${gvPath(group, version)}${k.namespaced ? "/namespaces/{namespace}" : ""}/${k.plural}/{name}`;
    paths[base] = {
      patch: {
        "x-kubernetes-group-version-kind": { group, version, kind: k.kind },
        parameters: [{ name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } }],
      },
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths };
}

function hashOf(kinds: KindDef[], group: string, version: string): string {
  const names = kinds.filter((k) => k.group === group && k.version === version).map((k) => k.kind).join(",");
  return new Bun.CryptoHasher("sha256").update(names).digest("hex").slice(0, 32).toUpperCase();
}
