// History values stored as reverse deltas: an older version of an object kept as a JSON
// merge patch (RFC 7386) that turns the next version back into it. metadata.resourceVersion
// is left out (it is the change's revision, restored on rebuild). Applying a patch keeps
// the newer version's key order and appends keys the patch adds, so a patch is only used
// when the rebuilt text is byte-equal to the original; otherwise the full value is kept.
import type { KubeObject } from "../api/kinds/kind.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The merge patch from `newer` to `older`, ignoring metadata.resourceVersion. */
function diff(newer: Obj, older: Obj, top: boolean): Obj {
  const patch: Obj = {};
  for (const k of Object.keys(older)) {
    const o = older[k];
    const n = newer[k];
    if (top && k === "metadata" && isObj(o) && isObj(n)) {
      const { resourceVersion: _o, ...om } = o;
      const { resourceVersion: _n, ...nm } = n;
      const d = diff(nm, om, false);
      if (Object.keys(d).length) patch[k] = d;
    } else if (!(k in newer)) patch[k] = o;
    else if (isObj(o) && isObj(n)) {
      const d = diff(n, o, false);
      if (Object.keys(d).length) patch[k] = d;
    } else if (!sameJson(o, n)) patch[k] = o;
  }
  for (const k of Object.keys(newer)) if (!(k in older)) patch[k] = null;
  return patch;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `target` with `patch` applied; untouched parts are shared with `target`, never changed. */
function apply(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    // A data property even for "__proto__" (a valid ConfigMap key), never the prototype.
    else Object.defineProperty(out, k, { value: apply(out[k], v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `newer` turned back into the version stored at `revision`; shares unchanged parts with `newer`. */
export function rebuild(newer: KubeObject, delta: string, revision: number): KubeObject {
  const out = apply(newer, JSON.parse(delta)) as KubeObject;
  out.metadata = { ...out.metadata, resourceVersion: String(revision) };
  return out;
}

/**
 * The reverse delta that rebuilds `older` (stored as `olderJson` at `revision`) from `newer`,
 * or undefined when a patch cannot give back exactly that text (key order, null values).
 */
export function reverseDelta(newer: KubeObject, older: KubeObject, olderJson: string, revision: number): string | undefined {
  if (!isObj(newer.metadata) || !isObj(older.metadata)) return undefined;
  const patch = JSON.stringify(diff(newer as Obj, older as Obj, true));
  // `older` may have been changed in place since it was stored: the text decides.
  if (JSON.stringify(rebuild(newer, patch, revision)) !== olderJson) return undefined;
  return patch;
}
