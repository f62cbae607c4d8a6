// Schema-aware walks over objects for server-side apply: which fields a value sets,
// what changed between two values, how an applied configuration merges into the live
// object, and removal of single fields. Mirrors structured-merge-diff's typed package.
import { PatchError } from "./errors.ts";
import { emptySet, insert, type FieldSet, type Path } from "./field-set.ts";
import { fieldSchema, itemSchema, type Schema } from "./schema.ts";
import { deepClone, deepEqual, isObj, type Obj } from "./values.ts";

const granularList = (s: Schema) => s.listType === "map" || s.listType === "set";

/** The path element naming a list item: `k:{…}` for associative lists, `v:…` for sets. */
export function itemElement(list: Schema, item: unknown): string {
  if (list.listType === "set") return `v:${JSON.stringify(item)}`;
  if (!isObj(item)) throw new PatchError(`an element of an associative list must be an object, got ${JSON.stringify(item)}`);
  const key: Obj = {};
  for (const k of [...(list.listMapKeys ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const v = item[k.name] ?? k.default;
    if (v === undefined) throw new PatchError(`associative list with keys has an element that omits key field "${k.name}"`);
    key[k.name] = v;
  }
  return `k:${JSON.stringify(key)}`;
}

/** Index the items of a granular list by element, refusing duplicates. */
function indexItems(list: Schema, items: unknown[], refuseDuplicates: boolean): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const item of items) {
    const element = itemElement(list, item);
    if (out.has(element)) {
      if (refuseDuplicates) throw new PatchError(`duplicate entries for key ${element.slice(2)}`);
      continue;
    }
    out.set(element, item);
  }
  return out;
}

/**
 * The fields a value sets (structured-merge-diff ToFieldSet): leaves, atomic values,
 * empty maps, and every item of a granular list. Containers with content are implied.
 */
export function fieldSetOf(value: unknown, schema: Schema): FieldSet {
  const set = emptySet();
  const walk = (v: unknown, s: Schema, path: Path) => {
    if (Array.isArray(v)) {
      if (!granularList(s)) return insert(set, path);
      for (const item of v) {
        const itemPath = [...path, itemElement(s, item)];
        walk(item, itemSchema(s), itemPath);
        insert(set, itemPath);
      }
      return;
    }
    if (isObj(v) && !s.atomic && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, fieldSchema(s, k), [...path, `f:${k}`]);
      return;
    }
    insert(set, path);
  };
  walk(value, schema, []);
  return set;
}

export type Comparison = { modified: FieldSet; added: FieldSet; removed: FieldSet };

/** What differs between two values, path by path (structured-merge-diff Compare). */
export function compare(before: unknown, after: unknown, schema: Schema): Comparison {
  const result: Comparison = { modified: emptySet(), added: emptySet(), removed: emptySet() };
  const all = (v: unknown, s: Schema, path: Path, into: FieldSet) => {
    // Top-level sections (metadata, spec) always exist on a typed object, so they are never "added".
    if (path.length > 1 || !isObj(v) || Object.keys(v).length === 0) insert(into, path);
    if (Array.isArray(v) && granularList(s)) for (const item of v) all(item, itemSchema(s), [...path, itemElement(s, item)], into);
    else if (isObj(v) && !s.atomic) for (const [k, child] of Object.entries(v)) all(child, fieldSchema(s, k), [...path, `f:${k}`], into);
  };
  const walk = (a: unknown, b: unknown, s: Schema, path: Path) => {
    if (a === undefined && b === undefined) return;
    if (a === undefined) return all(b, s, path, result.added);
    if (b === undefined) return all(a, s, path, result.removed);
    if (Array.isArray(a) && Array.isArray(b) && granularList(s)) {
      const ia = indexItems(s, a, false);
      const ib = indexItems(s, b, false);
      for (const element of new Set([...ia.keys(), ...ib.keys()])) walk(ia.get(element), ib.get(element), itemSchema(s), [...path, element]);
      return;
    }
    if (isObj(a) && isObj(b) && !s.atomic) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], fieldSchema(s, k), [...path, `f:${k}`]);
      return;
    }
    if (!deepEqual(a, b)) insert(result.modified, path);
  };
  walk(before, after, schema, []);
  return result;
}

/** Merge an applied configuration into the live value: the configuration wins, granular lists merge by element. */
export function mergeApplied(live: unknown, config: unknown, schema: Schema): unknown {
  if (isObj(config) && !schema.atomic) {
    const out: Obj = isObj(live) ? deepClone(live) : {};
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, fieldSchema(schema, k));
    }
    return out;
  }
  if (Array.isArray(config) && granularList(schema)) return mergeListItems(Array.isArray(live) ? live : [], config, schema);
  return deepClone(config);
}

/**
 * Upstream's list merge order: configuration items in their order, live-only items kept
 * where they were, shared items following the configuration's order.
 */
function mergeListItems(live: unknown[], config: unknown[], schema: Schema): unknown[] {
  const items = itemSchema(schema);
  const lhs = indexItems(schema, live, false);
  const rhs = indexItems(schema, config, true);
  const lpe = [...lhs.keys()];
  const rpe = [...rhs.keys()];
  const shared = rpe.filter((e) => lhs.has(e));
  let next = shared.shift();
  const done = new Set<string>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < lpe.length || ri < rpe.length) {
    if (li < lpe.length && ri < rpe.length) {
      const e = lpe[li]!;
      if (e === rpe[ri]) {
        done.add(e);
        out.push(mergeApplied(lhs.get(e), rhs.get(e), items));
        li++;
        ri++;
        next = shared.shift();
        continue;
      }
      if (rhs.has(e) && next !== undefined && next !== e) {
        li++;
        continue;
      }
    }
    if (li < lpe.length) {
      const e = lpe[li]!;
      if (!rhs.has(e)) {
        out.push(deepClone(lhs.get(e)));
        li++;
        continue;
      }
      if (done.has(e)) {
        li++;
        continue;
      }
    }
    if (ri < rpe.length) {
      const e = rpe[ri]!;
      done.add(e);
      out.push(mergeApplied(lhs.get(e), rhs.get(e), items));
      ri++;
      if (next === e) next = shared.shift();
    }
  }
  return out;
}

/**
 * Remove the field or list item at `path` from `root` (in place). Parents left empty by
 * the removal are removed too, unless `keep` says someone owns them.
 */
export function removePath(root: Obj, path: Path, schema: Schema, keep: (path: Path) => boolean) {
  const chain: { container: Obj | unknown[]; at: string | number }[] = [];
  let value: unknown = root;
  let s = schema;
  for (const element of path) {
    if (element.startsWith("f:") && isObj(value)) {
      const key = element.slice(2);
      if (!(key in value)) return;
      chain.push({ container: value, at: key });
      value = value[key];
      s = fieldSchema(s, key);
    } else if (Array.isArray(value) && granularList(s)) {
      const list = s;
      const index = value.findIndex((item) => {
        try {
          return itemElement(list, item) === element;
        } catch {
          return false;
        }
      });
      if (index < 0) return;
      chain.push({ container: value, at: index });
      value = value[index];
      s = itemSchema(s);
    } else {
      return;
    }
  }
  for (let depth = chain.length - 1; depth >= 0; depth--) {
    const { container, at } = chain[depth]!;
    if (Array.isArray(container)) container.splice(at as number, 1);
    else delete container[at as string];
    const parentPath = path.slice(0, depth);
    const emptied = Array.isArray(container) ? container.length === 0 : Object.keys(container).length === 0;
    if (depth === 0 || !emptied || keep(parentPath)) return;
  }
}
