// JSON merge patch (RFC 7386), the body of `kubectl label`, `annotate` and `scale`.
import { PatchError } from "./errors.ts";
import { deepClone, isObj, type Obj } from "./values.ts";

/** Apply an RFC 7386 merge patch. The patch must be an object: a Kubernetes object stays an object. */
export function applyMergePatch(original: Obj, patch: unknown): Obj {
  if (!isObj(patch)) throw new PatchError("a merge patch must be a JSON object", 400);
  return mergeValue(original, patch) as Obj;
}

function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return deepClone(patch);
  const out: Obj = isObj(target) ? deepClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeValue(out[key], value);
  }
  return out;
}
