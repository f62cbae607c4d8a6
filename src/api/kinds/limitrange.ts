// core/v1 LimitRange: default and bounded container (and pod) requests and limits,
// applied to pods at admission.
import type { KindDef } from "./kind.ts";
import { limitRangeColumns } from "../tables/quota-columns.ts";
import { validateLimitRange } from "../validation/quota.ts";
import { object } from "../patch/upstream-types.ts";
import { atomicList, struct } from "../patch/schema.ts";

type Item = { type?: string; default?: Record<string, string>; defaultRequest?: Record<string, string>; min?: Record<string, string>; max?: Record<string, string> };

/** core/v1 SetDefaults_LimitRangeItem: a Container item's default limit falls back to max, its default request to the default limit, then to min. */
export function defaultLimitRange(lr: any) {
  const limits = lr?.spec?.limits;
  if (!Array.isArray(limits)) return;
  for (const item of limits as Item[]) {
    if (!item || typeof item !== "object" || item.type !== "Container") continue;
    for (const [r, v] of Object.entries(item.max ?? {})) if (item.default?.[r] === undefined) item.default = { ...(item.default ?? {}), [r]: v };
    for (const [r, v] of Object.entries(item.default ?? {})) if (item.defaultRequest?.[r] === undefined) item.defaultRequest = { ...(item.defaultRequest ?? {}), [r]: v };
    for (const [r, v] of Object.entries(item.min ?? {})) if (item.defaultRequest?.[r] === undefined) item.defaultRequest = { ...(item.defaultRequest ?? {}), [r]: v };
  }
}

export const limitRangeKind: KindDef = {
  group: "",
  version: "v1",
  kind: "LimitRange",
  plural: "limitranges",
  singular: "limitrange",
  namespaced: true,
  shortNames: ["limits"],
  defaults: defaultLimitRange,
  validate: validateLimitRange,
  columns: limitRangeColumns,
  example: { spec: { limits: [{ type: "Container", max: { cpu: "1" } }] } },
  schema: {
    validation: "core/v1.LimitRange",
    protobuf: "k8s.io.api.core.v1.LimitRange",
    // LimitRangeSpec.limits is a plain (atomic) list upstream.
    patch: object({ spec: struct({ limits: atomicList() }) }),
  },
};
