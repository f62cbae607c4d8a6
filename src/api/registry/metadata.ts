// Server-owned metadata: names from generateName, uids, timestamps and generations.
import type { KubeObject } from "../kinds/kind.ts";

// Upstream's alphabet for generated names: no vowels, no look-alike digits.
const alphabet = "bcdfghjklmnpqrstvwxz2456789";

export function generateSuffix(length = 5): string {
  let s = "";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/** RFC 3339 with seconds, as metav1.Time serializes. */
export function nowTimestamp(at = Date.now()): string {
  const second = Math.floor(at / 1000);
  // Objects written in the same second share one string instead of each holding a copy.
  if (second !== lastSecond) {
    lastSecond = second;
    lastStamp = new Date(second * 1000).toISOString().replace(".000Z", "Z");
  }
  return lastStamp;
}
let lastSecond = NaN;
let lastStamp = "";

/** Everything but metadata and status, to tell whether a write changed the spec. */
export function specOf(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

/** Fields a client may not change after creation: copied from the stored object. */
export function keepServerMetadata(next: KubeObject, old: KubeObject): void {
  const m = next.metadata;
  const o = old.metadata;
  m.uid = o.uid;
  m.creationTimestamp = o.creationTimestamp;
  m.name = o.name;
  if (o.namespace !== undefined) m.namespace = o.namespace;
  else delete m.namespace;
  if (o.generateName !== undefined) m.generateName = o.generateName;
  if (o.deletionTimestamp) m.deletionTimestamp = o.deletionTimestamp;
  else delete m.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  else delete m.deletionGracePeriodSeconds;
  if (o.generation !== undefined) m.generation = o.generation;
  else delete m.generation;
}

/**
 * A private deep copy of JSON-shaped data. Unlike structuredClone it shares strings
 * (immutable) with the original instead of copying them, which makes it several times
 * faster and lets every stored version of an object reuse the same string values.
 * Anything that is not a plain object or array (a Date, a Map…) is copied by structuredClone.
 */
export function clone<T>(v: T): T {
  return copyValue(v) as T;
}

function copyValue(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) {
    const item = copyValue((v as Record<string, unknown>)[k]);
    // A "__proto__" key from a JSON body is data: keep it an own property, as JSON.parse made it.
    if (k === "__proto__") Object.defineProperty(out, k, { value: item, enumerable: true, writable: true, configurable: true });
    else out[k] = item;
  }
  return out;
}

/** metav1.MicroTime as upstream writes it (RFC 3339 with microseconds): Lease times. */
export function microTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/(\.\d{3})Z$/, "$1000Z");
}
