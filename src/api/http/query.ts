// List options shared by list, watch and deletecollection.
import type { KindDef, KubeObject } from "../kinds/kind.ts";
import { badRequest, ApiError } from "../errors.ts";
import { labelMatcher, fieldMatcher } from "../selectors/index.ts";

export function objectFilter(kind: KindDef, params: URLSearchParams): ((o: KubeObject) => boolean) | undefined {
  const labelSelector = params.get("labelSelector");
  const fieldSelector = params.get("fieldSelector");
  const checks: ((o: KubeObject) => boolean)[] = [];
  try {
    if (labelSelector) {
      const m = labelMatcher(labelSelector);
      checks.push((o) => m(o.metadata.labels ?? {}));
    }
    if (fieldSelector) checks.push(fieldMatcher(kind, fieldSelector));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw badRequest((e as Error).message);
  }
  if (!checks.length) return undefined;
  return (o) => checks.every((c) => c(o));
}

export function intParam(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid value for ${name}: "${v}"`);
  return n;
}

/** resourceVersion on get, list and watch: a revision number, or unset ("" and "0" mean any). */
export function resourceVersionParam(params: URLSearchParams): string | undefined {
  const v = params.get("resourceVersion");
  if (v === null || v === "") return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(v)}: strconv.ParseUint: parsing ${JSON.stringify(v)}: invalid syntax`);
  return v;
}
