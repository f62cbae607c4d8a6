// ResourceQuota and LimitRange validation: every amount a quantity, none negative, the
// LimitRange types upstream knows, and min ≤ default ≤ max where both are given.
import type { FieldError, KubeObject } from "../kinds/kind.ts";
import { invalidValue, notSupported } from "./field-errors.ts";
import { validateMeta } from "./object-meta.ts";
import { parseQuantity } from "../quantity.ts";

const QUANTITY_PATTERN = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function validateList(list: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const q = parseQuantity(v);
    if (!q) errs.push(invalidValue(`${path}[${k}]`, v, QUANTITY_PATTERN));
    else if (q.milli < 0n) errs.push(invalidValue(`${path}[${k}]`, v, "must be greater than or equal to 0"));
  }
  return errs;
}

export function validateResourceQuota(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as { hard?: Record<string, unknown> };
  const status = (obj.status ?? {}) as { hard?: Record<string, unknown>; used?: Record<string, unknown> };
  return [...validateMeta(obj, old, true), ...validateList(spec.hard, "spec.hard"), ...validateList(status.hard, "status.hard"), ...validateList(status.used, "status.used")];
}

type Item = { type?: string; default?: Record<string, unknown>; defaultRequest?: Record<string, unknown>; min?: Record<string, unknown>; max?: Record<string, unknown>; maxLimitRequestRatio?: Record<string, unknown> };
const TYPES = ["Pod", "Container", "PersistentVolumeClaim"];

export function validateLimitRange(obj: KubeObject, old?: KubeObject): FieldError[] {
  const errs = validateMeta(obj, old, true);
  const items = ((obj.spec ?? {}) as { limits?: Item[] }).limits ?? [];
  items.forEach((item, i) => {
    const path = `spec.limits[${i}]`;
    if (!TYPES.includes(item?.type ?? "")) errs.push(notSupported(`${path}.type`, item?.type ?? "", TYPES));
    for (const f of ["default", "defaultRequest", "min", "max", "maxLimitRequestRatio"] as const) errs.push(...validateList(item?.[f], `${path}.${f}`));
    for (const [r, maxText] of Object.entries(item?.max ?? {})) {
      const maxQ = parseQuantity(maxText);
      const minQ = parseQuantity(item.min?.[r]);
      if (maxQ && minQ && minQ.milli > maxQ.milli) errs.push(invalidValue(`${path}.min[${r}]`, item.min![r], `min value ${item.min![r]} is greater than max value ${maxText}`));
      const def = parseQuantity(item.default?.[r]);
      if (maxQ && def && def.milli > maxQ.milli) errs.push(invalidValue(`${path}.default[${r}]`, item.default![r], `default value ${item.default![r]} is greater than max value ${maxText}`));
    }
    for (const [r, minText] of Object.entries(item?.min ?? {})) {
      const minQ = parseQuantity(minText);
      const req = parseQuantity(item.defaultRequest?.[r]);
      if (minQ && req && req.milli < minQ.milli) errs.push(invalidValue(`${path}.defaultRequest[${r}]`, item.defaultRequest![r], `min value ${minText} is greater than default request value ${item.defaultRequest![r]}`));
    }
  });
  return errs;
}
