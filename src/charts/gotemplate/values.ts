// The value model shared by the engine and the function map:
// bigint = Go int, number = float64, string, boolean, null = nil,
// plain object = map[string]interface{}, array = []interface{}.
// Inside the engine `undefined` stands for Go's invalid reflect.Value
// ("no value"), which is what a missing map key yields by default.

/** A plain JS object used as a Go map (not a class instance, not an array). */
export function isGoMap(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A class instance: behaves like a Go struct (fields and methods). */
export function isGoStruct(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !isGoMap(v);
}

/** Go's type name for a value, as reflect.Type.String() would print it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  switch (typeof v) {
    case "bigint":
      return "int";
    case "number":
      return "float64";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "function":
      return "func(...interface {}) interface {}";
  }
  if (Array.isArray(v)) return "[]interface {}";
  if (isGoMap(v)) return "map[string]interface {}";
  const ctor = (v as object).constructor;
  return ctor && ctor.name ? `*${ctor.name}` : "struct {}";
}

/** Go compares strings by bytes, i.e. by code point; JS `<` compares UTF-16 units. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1; // a surrogate encodes a code point above any BMP one
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Map keys in the order Go's range and fmt use (sorted). */
export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort(compareGoStrings);
}

/** A map entry, treating an own property holding undefined as a nil value. */
export function mapGet(m: Record<string, unknown>, key: string): { found: boolean; value: unknown } {
  if (!Object.prototype.hasOwnProperty.call(m, key)) return { found: false, value: undefined };
  const value = m[key];
  return { found: true, value: value === undefined ? null : value };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  return decoder.decode(b);
}

/** len(s) in Go counts bytes. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Go template truth: false for nil, zero numbers, false, and empty
 * strings, slices and maps; structs and functions are always true.
 */
export function isTrue(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  switch (typeof v) {
    case "boolean":
      return v;
    case "bigint":
      return v !== 0n;
    case "number":
      return v !== 0;
    case "string":
      return v.length > 0;
    case "function":
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (isGoMap(v)) return Object.keys(v).length > 0;
  return true;
}
