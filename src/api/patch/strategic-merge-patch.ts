// Strategic merge patch, as k8s.io/apimachinery/pkg/util/strategicpatch applies it to a
// stored object: what `kubectl apply` (client side), `set image`, `edit` and `cordon` send.
// Lists with a merge key merge element by element, primitive "merge" lists merge as sets,
// every other list is replaced. Directives: `$patch`, `$retainKeys`,
// `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`.
import { PatchError } from "./errors.ts";
import { schemaFor } from "./kind-schemas.ts";
import { fieldSchema, itemSchema, type Schema } from "./schema.ts";
import { deepClone, deepEqual, isObj, jsonKind, type Obj } from "./values.ts";

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVES = "$deleteFromPrimitiveList/";

// Upstream's error texts (k8s.io/apimachinery/pkg/util/mergepatch), with its 400/422 split.
const badRetainKeys = () => new PatchError("invalid patch format of retainKeys", 400);
const retainKeysMismatch = () => new PatchError("patch content doesn't match retainKeys list", 422);
const badSetOrder = () => new PatchError("invalid patch format of setElementOrder list", 400);
const badPrimitiveList = () => new PatchError("invalid patch format of primitive list", 400);
const listOfLists = () => new PatchError("lists of lists are not supported", 422);
const badPatchType = (t: unknown, where: unknown) => new PatchError(`unknown patch type: ${String(t)} in map: ${JSON.stringify(where)}`, 400);
const noMergeKey = (m: unknown, key: string) => new PatchError(`map: ${JSON.stringify(m)} does not contain declared merge key: ${key}`, 422);

export function applyStrategicMergePatch(original: Obj, patch: unknown, gvk: { group: string; version: string; kind: string }): Obj {
  if (!isObj(patch)) throw new PatchError("a strategic merge patch must be a JSON object", 400);
  return mergeMap(deepClone(original), deepClone(patch), schemaFor(gvk));
}

/** Merge `patch` into `original`. Both are private copies and may be consumed. */
function mergeMap(original: Obj | undefined, patch: Obj, schema: Schema): Obj {
  if (PATCH in patch) {
    const directive = patch[PATCH];
    delete patch[PATCH];
    if (directive === "delete") return {};
    // replace: the map becomes the patch itself (its own directives still apply).
    if (directive === "replace") return mergeMap(undefined, patch, schema);
    if (directive !== "merge") throw badPatchType(directive, patch);
  }
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applyElementOrders(out, patch, schema);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_PRIMITIVES)) {
      if (!Array.isArray(value)) throw badPrimitiveList();
      const field = key.slice(DELETE_PRIMITIVES.length);
      const current = out[field];
      if (Array.isArray(current)) out[field] = current.filter((x) => !value.some((y) => deepEqual(x, y)));
      continue;
    }
    if (key.startsWith("$")) throw new PatchError(`unknown directive ${JSON.stringify(key)} in strategic merge patch`, 400);
    if (value === null) {
      delete out[key];
      continue;
    }
    const sub = fieldSchema(schema, key);
    const current = out[key];
    if (current === undefined || jsonKind(current) !== jsonKind(value)) out[key] = fresh(value, sub);
    else if (isObj(value)) out[key] = sub.patchStrategy === "replace" ? fresh(value, sub) : mergeMap(current as Obj, value, sub);
    else if (Array.isArray(value)) out[key] = mergeListField(current as unknown[], value, sub);
    else out[key] = value;
  }
  return out;
}

/** A patch value with nothing to merge into: nulls dropped and directives resolved. */
function fresh(value: unknown, schema: Schema): unknown {
  if (isObj(value)) return mergeMap(undefined, value, schema);
  if (Array.isArray(value)) return mergeListField([], value, schema);
  return value;
}

function mergeListField(original: unknown[], patch: unknown[], schema: Schema): unknown[] {
  if (schema.patchStrategy !== "merge") return patch.map((x) => fresh(x, itemSchema(schema)));
  return mergeList(original, patch, schema);
}

/** Upstream mergeSlice: merge by key (maps) or as a set (primitives), then restore a stable order. */
function mergeList(original: unknown[], patch: unknown[], schema: Schema): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  if (kind !== "object") {
    const merged = dedupe([...original, ...patch]);
    const [inPatch, serverOnly] = partition(merged, patch, "");
    return normalizeOrder(inPatch, serverOnly, patch, original, "");
  }
  const key = schema.patchMergeKey;
  if (!key) throw new PatchError("cannot merge lists of objects without a merge key", 422);
  const [base, items] = applyListDirectives(original as Obj[], patch as Obj[], key, itemSchema(schema));
  const merged = [...base];
  for (const item of items) {
    if (!(key in item)) throw noMergeKey(item, key);
    const at = merged.findIndex((m) => isObj(m) && deepEqual(m[key], item[key]));
    if (at >= 0) merged[at] = mergeMap(merged[at] as Obj, item, itemSchema(schema));
    else merged.push(mergeMap(undefined, item, itemSchema(schema)));
  }
  const [inPatch, serverOnly] = partition(merged, items, key);
  return normalizeOrder(inPatch, serverOnly, items, base, key);
}

/**
 * Elements carrying `$patch`: `delete` removes the element with that key, `replace`
 * makes the rest of the patch list the whole list. Returns [original, patch elements].
 */
function applyListDirectives(original: Obj[], patch: Obj[], key: string, items: Schema): [Obj[], Obj[]] {
  const plain: Obj[] = [];
  let replace = false;
  for (const item of patch) {
    if (!(PATCH in item)) {
      plain.push(item);
      continue;
    }
    const directive = item[PATCH];
    if (directive === "delete") {
      if (!(key in item)) throw noMergeKey(item, key);
      original = original.filter((o) => !(isObj(o) && deepEqual(o[key], item[key])));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      throw new PatchError("merging lists cannot yet be specified in the patch", 400);
    } else {
      throw badPatchType(directive, item);
    }
  }
  if (replace) return [plain.map((p) => mergeMap(undefined, p, items)), []];
  return [original, plain];
}

/** `$retainKeys`: keys of the original that are not listed are cleared (e.g. switching a volume's source). */
function applyRetainKeys(original: Obj, patch: Obj) {
  if (!(RETAIN_KEYS in patch)) return;
  const keys = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw badRetainKeys();
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVES) || k.startsWith(SET_ORDER)) continue;
    if (!keys.includes(k)) throw retainKeysMismatch();
  }
  for (const k of Object.keys(original)) if (!keys.includes(k)) delete original[k];
}

/**
 * `$setElementOrder/<list>`: merge the list named by the directive (if the patch has it),
 * then order the result: listed elements in the directive's order, the server's other
 * elements interleaved by their original positions (upstream mergePatchIntoOriginal).
 */
function applyElementOrders(original: Obj, patch: Obj, schema: Schema) {
  for (const directiveKey of Object.keys(patch)) {
    if (!directiveKey.startsWith(SET_ORDER)) continue;
    const order = patch[directiveKey];
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw badSetOrder();
    const field = directiveKey.slice(SET_ORDER.length);
    const sub = fieldSchema(schema, field);
    const key = sub.patchMergeKey ?? "";
    const originalList = Array.isArray(original[field]) ? (original[field] as unknown[]) : undefined;
    const patchValue = patch[field];
    if (patchValue !== undefined && patchValue !== null && !Array.isArray(patchValue)) throw badSetOrder();
    const patchList = patchValue as unknown[] | null | undefined;
    delete patch[field];
    if (patchList === null) {
      delete original[field];
      continue;
    }
    if (patchList) checkOrderCoversPatch(patchList, order, key);
    let merged: unknown[];
    if (originalList && patchList) merged = mergeListField(originalList, patchList, sub);
    else if (patchList) merged = mergeListField([], patchList, sub);
    else if (originalList) merged = originalList;
    else continue;
    const [listed, serverOnly] = partition(merged, order, key);
    original[field] = normalizeOrder(listed, serverOnly, order, originalList ?? [], key);
  }
}

/** Every (non-directive) patch element must appear in the order list, in the same relative order. */
function checkOrderCoversPatch(patchList: unknown[], order: unknown[], key: string) {
  if (order.length === 0 || patchList.length === 0) return;
  const items = key ? patchList.filter((p) => !(isObj(p) && p[PATCH] === "delete")) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    if (isObj(items[p]) && PATCH in (items[p] as Obj)) {
      p++;
      continue;
    }
    if (sameElement(items[p], order[o], key, true)) p++;
    o++;
  }
  if (p < items.length) throw badSetOrder();
}

function sameElement(a: unknown, b: unknown, key: string, strict = false): boolean {
  if (!key) return deepEqual(a, b);
  if (!isObj(a) || !isObj(b)) {
    if (strict) throw badSetOrder();
    return false;
  }
  if (!(key in a)) throw noMergeKey(a, key);
  if (!(key in b)) throw noMergeKey(b, key);
  return deepEqual(a[key], b[key]);
}

function indexIn(list: unknown[], item: unknown, key: string): number {
  return list.findIndex((x) => sameElement(x, item, key));
}

/** Split `merged` into elements present in `list` and the rest. */
function partition(merged: unknown[], list: unknown[], key: string): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const rest: unknown[] = [];
  for (const m of merged) (indexIn(list, m, key) >= 0 ? present : rest).push(m);
  return [present, rest];
}

/**
 * Upstream normalizeElementOrder: sort patch elements by `patchOrder`, server-only elements
 * by `serverOrder`, then interleave the server-only ones where the server had them.
 */
function normalizeOrder(inPatch: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], key: string): unknown[] {
  const right = sortBy(inPatch, patchOrder, key);
  const left = sortBy(serverOnly, serverOrder, key);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], key);
      const ri = indexIn(serverOrder, right[j], key);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function sortBy(items: unknown[], order: unknown[], key: string): unknown[] {
  const pos = (x: unknown) => {
    const i = indexIn(order, x, key);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items
    .map((x, i) => ({ x, i, p: pos(x) }))
    .sort((a, b) => a.p - b.p || a.i - b.i)
    .map((e) => e.x);
}

function dedupe(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of items) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

/** The one JSON kind shared by all elements; mixed lists and lists of lists cannot merge. */
function elementKind(a: unknown[], b: unknown[]): string {
  let kind: string | undefined;
  for (const x of [...a, ...b]) {
    const k = jsonKind(x);
    if (k === "array") throw listOfLists();
    if (kind !== undefined && k !== kind) throw new PatchError(`cannot merge a list with elements of mixed types (${kind}, ${k})`, 422);
    kind = k;
  }
  return kind ?? "null";
}
