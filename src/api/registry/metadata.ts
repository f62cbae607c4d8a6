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
  return new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

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

export function clone<T>(v: T): T {
  return structuredClone(v);
}
