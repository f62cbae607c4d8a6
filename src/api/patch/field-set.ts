// Sets of field paths, the currency of server-side apply, and their FieldsV1 encoding
// (sigs.k8s.io/structured-merge-diff). A path is a list of elements written as in
// FieldsV1: `f:<field>`, `k:<json of the key fields>`, `v:<json value>`, `i:<index>`.
// A set is a tree; a node is a "member" when the path itself is in the set, which
// FieldsV1 writes as an empty object (leaf) or a "." entry (a node with children).
import { isObj, type Obj } from "./values.ts";

export type Path = string[];
export type FieldSet = Map<string, FieldNode>;
export type FieldNode = { member: boolean; children: FieldSet };

export const emptySet = (): FieldSet => new Map();

export function insert(set: FieldSet, path: Path) {
  if (path.length === 0) return;
  let level = set;
  path.forEach((element, i) => {
    let node = level.get(element);
    if (!node) level.set(element, (node = { member: false, children: new Map() }));
    if (i === path.length - 1) node.member = true;
    level = node.children;
  });
}

export function has(set: FieldSet, path: Path): boolean {
  const node = nodeAt(set, path);
  return !!node?.member;
}

function nodeAt(set: FieldSet, path: Path): FieldNode | undefined {
  let level = set;
  let node: FieldNode | undefined;
  for (const element of path) {
    node = level.get(element);
    if (!node) return undefined;
    level = node.children;
  }
  return node;
}

/** True when `path` or anything below it is in the set. */
export function coversOrBelow(set: FieldSet, path: Path): boolean {
  const node = nodeAt(set, path);
  return !!node && (node.member || !isEmpty(node.children));
}

export function isEmpty(set: FieldSet): boolean {
  for (const node of set.values()) if (node.member || !isEmpty(node.children)) return false;
  return true;
}

/** Every member path, in sorted order. */
export function members(set: FieldSet, prefix: Path = []): Path[] {
  const out: Path[] = [];
  for (const element of [...set.keys()].sort()) {
    const node = set.get(element)!;
    const path = [...prefix, element];
    if (node.member) out.push(path);
    out.push(...members(node.children, path));
  }
  return out;
}

export function union(...sets: FieldSet[]): FieldSet {
  const out = emptySet();
  for (const s of sets) for (const p of members(s)) insert(out, p);
  return out;
}

export function difference(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const p of members(a)) if (!has(b, p)) insert(out, p);
  return out;
}

export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out = emptySet();
  for (const p of members(a)) if (has(b, p)) insert(out, p);
  return out;
}

export function equalSets(a: FieldSet, b: FieldSet): boolean {
  const ma = members(a).map((p) => JSON.stringify(p));
  const mb = members(b).map((p) => JSON.stringify(p));
  return ma.length === mb.length && ma.every((p, i) => p === mb[i]);
}

/** Encode as FieldsV1: children sorted, "." first for members that have children. */
export function toFieldsV1(set: FieldSet): Obj {
  const out: Obj = {};
  for (const element of [...set.keys()].sort()) {
    const node = set.get(element)!;
    const children = toFieldsV1(node.children);
    const hasChildren = Object.keys(children).length > 0;
    if (!node.member && !hasChildren) continue;
    out[element] = node.member && hasChildren ? { ".": {}, ...children } : children;
  }
  return out;
}

/** Decode FieldsV1; anything malformed yields undefined so the caller can drop the entry. */
export function fromFieldsV1(fields: unknown): FieldSet | undefined {
  if (!isObj(fields)) return undefined;
  const out = emptySet();
  const walk = (value: Obj, prefix: Path): boolean => {
    for (const [element, child] of Object.entries(value)) {
      if (element === ".") continue;
      if (!/^[fkvi]:/.test(element) || !isObj(child)) return false;
      const path = [...prefix, element];
      if (Object.keys(child).length === 0 || "." in child) insert(out, path);
      if (!walk(child, path)) return false;
    }
    return true;
  };
  return walk(fields, []) ? out : undefined;
}

/** A path as structured-merge-diff prints it: `.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case "f":
          return `.${body}`;
        case "k": {
          const key = JSON.parse(body) as Obj;
          return `[${Object.keys(key)
            .sort()
            .map((k) => `${k}=${JSON.stringify(key[k])}`)
            .join(",")}]`;
        }
        case "v":
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join("");
}
