// Semantic equality of JSON values: absent and undefined keys are the same thing.
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

/** Go's view of two decoded structs: an empty string, null and an absent field are all the zero value. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return deepEqual(dropZero(a), dropZero(b));
}

function dropZero(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropZero);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== "" && x !== null && x !== undefined) out[k] = dropZero(x);
  return out;
}
