// A small type tree carrying only what patching needs to know about a field: how its
// list merges (strategic merge patch tags `patchStrategy`/`patchMergeKey`) and how
// server-side apply tracks it (`listType`, `listMapKeys`, atomic structs and maps).
// Fields absent from the tree are merged as plain maps, and their lists are replaced.

export type ListMapKey = { name: string; default?: unknown };

export type Schema = {
  /** Known fields of a struct; any other key falls back to `values` or to a plain map. */
  fields?: Record<string, Schema>;
  /** The schema of every entry of a map (e.g. labels) when the key is not a known field. */
  values?: Schema;
  /** The schema of list elements. */
  items?: Schema;
  /** Strategic merge: "merge" merges list elements (by patchMergeKey, or as a set of primitives). */
  patchStrategy?: "merge" | "replace";
  patchMergeKey?: string;
  /** Server-side apply list semantics (upstream `+listType`); lists default to atomic. */
  listType?: "atomic" | "set" | "map";
  listMapKeys?: ListMapKey[];
  /** Server-side apply treats the whole struct or map as one value (upstream `+structType=atomic`). */
  atomic?: boolean;
};

/** Schema of anything not described: a granular map whose lists are atomic. */
export const ANY: Schema = Object.freeze({}) as Schema;

export function fieldSchema(s: Schema, key: string): Schema {
  return s.fields?.[key] ?? s.values ?? ANY;
}

export function itemSchema(s: Schema): Schema {
  return s.items ?? ANY;
}

// Builders that keep the kind table readable.

export const struct = (fields: Record<string, Schema>, extra: Partial<Schema> = {}): Schema => ({ fields, ...extra });

/** A list merged by key in both patch flavours (upstream `patchMergeKey` + `listType=map`). */
export const keyedList = (mergeKey: string, items: Schema = ANY, mapKeys: ListMapKey[] = [{ name: mergeKey }], extra: Partial<Schema> = {}): Schema => ({
  patchStrategy: "merge",
  patchMergeKey: mergeKey,
  listType: "map",
  listMapKeys: mapKeys,
  items,
  ...extra,
});

/** A list of primitives merged as a set (upstream `patchStrategy:"merge"` + `listType=set`). */
export const setList = (): Schema => ({ patchStrategy: "merge", listType: "set" });

/** A list replaced as a whole by both patch flavours. */
export const atomicList = (items: Schema = ANY): Schema => ({ listType: "atomic", items });

export const atomic: Schema = Object.freeze({ atomic: true }) as Schema;
