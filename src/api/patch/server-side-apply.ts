// Server-side apply and field ownership (metadata.managedFields), following
// sigs.k8s.io/structured-merge-diff's Updater and k8s.io/apiserver's fieldmanager:
// an Apply makes its manager own exactly the fields of its configuration, prunes what it
// owned before and no longer applies, and conflicts with other owners of fields it would
// change; an Update (any other write) takes ownership of what it changed.
import { ApplyConflictError, PatchError, type ApplyConflict } from "./errors.ts";
import { coversOrBelow, difference, equalSets, fromFieldsV1, intersection, isEmpty, members, pathString, toFieldsV1, union, type FieldSet } from "./field-set.ts";
import { schemaFor } from "./kind-schemas.ts";
import { compare, fieldSetOf, mergeApplied, removePath } from "./typed-walk.ts";
import { deepClone, deepEqual, isObj, type Obj } from "./values.ts";

export type ManagedFieldsEntry = {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Obj;
  subresource?: string;
};

type Gvk = { group: string; version: string; kind: string };

/** One manager's ownership, decoded. `original` is kept so untouched entries are written back verbatim. */
type Owner = {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
  original?: { entry: Obj; set: FieldSet };
};

// Fields the server owns; they never appear in managedFields (upstream StripMeta).
const SERVER_META = ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields"];

// The owner of everything on an object that predates field tracking, as upstream names it.
const BEFORE_FIRST_APPLY = "before-first-apply";

const apiVersionOf = (gvk: Gvk) => (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version);

/** Identity of an entry: Apply entries are per manager; Update entries also per API version. */
const ownerId = (o: { manager: string; operation: string; apiVersion: string; subresource?: string }) =>
  JSON.stringify([o.manager, o.operation, o.operation === "Apply" ? "" : o.apiVersion, o.subresource ?? ""]);

/**
 * The part of an object whose fields are tracked: no apiVersion/kind or server-owned
 * metadata, and either everything but `status` (main resource) or only `status`.
 */
function trackedView(obj: Obj | undefined, subresource: string | undefined): Obj {
  if (!obj) return {};
  if (subresource === "status") return obj.status === undefined ? {} : { status: deepClone(obj.status) };
  const view = deepClone(obj);
  delete view.apiVersion;
  delete view.kind;
  delete view.status;
  if (isObj(view.metadata)) {
    for (const k of SERVER_META) delete view.metadata[k];
    if (Object.keys(view.metadata).length === 0) delete view.metadata;
  }
  return view;
}

/** Put a tracked view back together with the parts of `base` that the view leaves out, keeping key order. */
function withView(base: Obj, view: Obj, subresource: string | undefined): Obj {
  if (subresource === "status") {
    const out = deepClone(base);
    if (view.status === undefined) delete out.status;
    else out.status = view.status;
    return out;
  }
  const out: Obj = {};
  const viewMeta = isObj(view.metadata) ? view.metadata : {};
  for (const [k, v] of Object.entries(base)) {
    if (k === "apiVersion" || k === "kind" || k === "status") out[k] = deepClone(v);
    else if (k === "metadata") out.metadata = mergeMeta(isObj(v) ? v : {}, viewMeta);
    else if (k in view) out[k] = view[k];
  }
  if (!("metadata" in out)) out.metadata = mergeMeta({}, viewMeta);
  for (const [k, v] of Object.entries(view)) if (!(k in out)) out[k] = v;
  if ("status" in out) {
    // status stays last, as Kubernetes writes objects.
    const status = out.status;
    delete out.status;
    out.status = status;
  }
  return out;
}

function mergeMeta(base: Obj, view: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(base)) {
    if (SERVER_META.includes(k)) out[k] = deepClone(v);
    else if (k in view) out[k] = view[k];
  }
  for (const [k, v] of Object.entries(view)) if (!(k in out)) out[k] = v;
  return out;
}

function decodeOwners(entries: unknown): Owner[] {
  if (!Array.isArray(entries)) return [];
  const owners: Owner[] = [];
  for (const e of entries) {
    if (!isObj(e) || typeof e.manager !== "string" || (e.operation !== "Apply" && e.operation !== "Update")) continue;
    if (e.fieldsType !== undefined && e.fieldsType !== "FieldsV1") continue;
    const set = fromFieldsV1(e.fieldsV1 ?? {});
    if (!set) continue;
    owners.push({
      manager: e.manager,
      operation: e.operation,
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      subresource: typeof e.subresource === "string" && e.subresource ? e.subresource : undefined,
      time: typeof e.time === "string" ? e.time : undefined,
      set,
      original: { entry: e, set },
    });
  }
  return owners;
}

function encodeOwners(owners: Owner[]): Obj[] {
  const live = owners.filter((o) => !isEmpty(o.set));
  // Upstream order: Apply before Update, then by time, manager, apiVersion, subresource.
  live.sort(
    (a, b) =>
      cmp(a.operation, b.operation) || cmp(seconds(a.time), seconds(b.time)) || cmp(a.manager, b.manager) || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource ?? "", b.subresource ?? ""),
  );
  return live.map((o) => {
    const before = o.original;
    if (before && o.time === before.entry.time && o.apiVersion === before.entry.apiVersion && equalSets(before.set, o.set)) return before.entry;
    const entry: Obj = { manager: o.manager, operation: o.operation, apiVersion: o.apiVersion };
    if (o.time) entry.time = o.time;
    entry.fieldsType = "FieldsV1";
    entry.fieldsV1 = toFieldsV1(o.set);
    if (o.subresource) entry.subresource = o.subresource;
    return entry;
  });
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
const seconds = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);

function setManagedFields(obj: Obj, owners: Owner[]) {
  const meta = isObj(obj.metadata) ? obj.metadata : (obj.metadata = {});
  const entries = encodeOwners(owners);
  if (entries.length) meta.managedFields = entries;
  else delete meta.managedFields;
}

/** Server-side apply. live undefined = create. Returns the merged object with metadata.managedFields updated. */
export function serverSideApply(
  live: Obj | undefined,
  applied: Obj,
  opts: { manager: string; force: boolean; gvk: Gvk; now: string; subresource?: string },
): Obj {
  const { manager, force, gvk, now, subresource } = opts;
  if (!manager) throw new PatchError("PATCH requests with an apply content type must set fieldManager", 400);
  if (!isObj(applied)) throw new PatchError("the applied configuration must be an object", 400);
  const appliedMeta = applied.metadata;
  if (isObj(appliedMeta) && Array.isArray(appliedMeta.managedFields) && appliedMeta.managedFields.length > 0) {
    throw new PatchError("metadata.managedFields must be nil", 400);
  }
  const schema = schemaFor(gvk);
  const apiVersion = apiVersionOf(gvk);

  let owners = decodeOwners(live && isObj(live.metadata) ? live.metadata.managedFields : undefined);
  const liveView = trackedView(live, subresource);
  if (live && owners.length === 0) {
    // An object written before fields were tracked: its current fields belong to someone.
    owners = [{ manager: BEFORE_FIRST_APPLY, operation: "Update", apiVersion, set: fieldSetOf(liveView, schema) }];
  }
  const configView = trackedView(applied, subresource);
  const configSet = fieldSetOf(configView, schema);
  const merged = mergeApplied(liveView, configView, schema) as Obj;

  const me = { manager, operation: "Apply" as const, apiVersion, subresource };
  let applier = owners.find((o) => ownerId(o) === ownerId(me));
  const lastSet = applier?.set;
  if (!applier) owners.push((applier = { ...me, set: configSet }));
  else applier.set = configSet;
  applier.apiVersion = apiVersion;

  // Prune: what this manager applied last time but not now goes, unless someone still owns it.
  if (lastSet) {
    const owned = union(...owners.map((o) => o.set));
    const gone = members(difference(lastSet, configSet)).sort((a, b) => b.length - a.length);
    for (const path of gone) {
      if (coversOrBelow(owned, path) || isKeyField(path)) continue;
      removePath(merged, path, schema, (p) => coversOrBelow(owned, p));
    }
  }

  // Conflicts: fields this apply changes that other managers own.
  const change = compare(liveView, merged, schema);
  const changed = union(change.modified, change.added);
  const conflicts: { owner: Owner; set: FieldSet }[] = [];
  for (const o of owners) {
    if (o === applier) continue;
    const overlap = intersection(o.set, changed);
    if (!isEmpty(overlap)) conflicts.push({ owner: o, set: overlap });
  }
  if (conflicts.length && !force) throw new ApplyConflictError(describeConflicts(conflicts));
  for (const { owner, set } of conflicts) owner.set = difference(owner.set, set);
  for (const o of owners) if (o !== applier) o.set = difference(o.set, change.removed);

  const changedObject = !deepEqual(liveView, merged);
  if (changedObject || !applier.time) applier.time = now;

  const base = live ?? { apiVersion: applied.apiVersion, kind: applied.kind, metadata: isObj(appliedMeta) ? pick(appliedMeta, ["name", "namespace", "generateName"]) : {} };
  const result = withView(base, merged, subresource);
  if (!live && subresource !== "status") delete result.status;
  setManagedFields(result, owners);
  return result;
}

/** A key field of an associative list item stays as long as the item does (upstream EnsureNamedFieldsAreMembers). */
function isKeyField(path: string[]): boolean {
  const parent = path[path.length - 2];
  const last = path[path.length - 1]!;
  if (!parent?.startsWith("k:") || !last.startsWith("f:")) return false;
  try {
    return last.slice(2) in (JSON.parse(parent.slice(2)) as Obj);
  } catch {
    return false;
  }
}

function pick(o: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = deepClone(o[k]);
  return out;
}

function describeConflicts(conflicts: { owner: Owner; set: FieldSet }[]): ApplyConflict[] {
  const out: ApplyConflict[] = [];
  for (const { owner, set } of conflicts) {
    let who = JSON.stringify(owner.manager);
    if (owner.subresource) who += ` with subresource ${JSON.stringify(owner.subresource)}`;
    if (owner.operation === "Update") who += ` using ${owner.apiVersion}`;
    for (const path of members(set)) out.push({ manager: owner.manager, field: pathString(path), message: `conflict with ${who}` });
  }
  return out.sort((a, b) => cmp(a.message, b.message) || cmp(a.field, b.field));
}

/**
 * Record an Update operation's ownership (for POST/PUT/PATCH of non-apply types): fields
 * that changed between old and new become owned by `manager`, and no longer by anyone else.
 */
export function recordUpdate(old: Obj | undefined, updated: Obj, opts: { manager: string; gvk: Gvk; now: string; subresource?: string }): Obj {
  const { manager, gvk, now, subresource } = opts;
  const schema = schemaFor(gvk);
  const apiVersion = apiVersionOf(gvk);
  const result = deepClone(updated);
  const requested = isObj(updated.metadata) ? updated.metadata.managedFields : undefined;
  const liveEntries = old && isObj(old.metadata) ? old.metadata.managedFields : undefined;

  // Which ownership to start from (upstream decodeLiveOrNew): a subresource write cannot
  // change managedFields; `[]` (or `[{}]`) resets them; otherwise the request's, else the stored ones.
  let owners: Owner[];
  if (subresource) owners = decodeOwners(liveEntries);
  else if (Array.isArray(requested) && (requested.length === 0 || (requested.length === 1 && isObj(requested[0]) && Object.keys(requested[0]).length === 0))) owners = [];
  else {
    owners = decodeOwners(requested);
    if (owners.length === 0) owners = decodeOwners(liveEntries);
  }

  const change = compare(trackedView(old, subresource), trackedView(updated, subresource), schema);
  const taken = union(change.modified, change.added);
  for (const o of owners) o.set = difference(difference(o.set, taken), change.removed);

  if (!isEmpty(taken)) {
    const me = { manager, operation: "Update" as const, apiVersion, subresource };
    const mine = owners.find((o) => ownerId(o) === ownerId(me));
    if (mine) mine.set = union(mine.set, taken);
    else owners.push({ ...me, set: taken });
    (mine ?? owners[owners.length - 1]!).time = now;
  }
  setManagedFields(result, owners);
  return result;
}
