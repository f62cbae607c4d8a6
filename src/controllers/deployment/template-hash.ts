// The pod-template-hash: fnv32a over the template with its meaningless parts removed
// (nulls, empty maps and lists, creationTimestamp, the hash label itself), rendered in
// upstream's safe alphabet. Two templates that mean the same get the same hash, so
// `rollout undo` finds the old ReplicaSet again.
export const POD_TEMPLATE_HASH = "pod-template-hash";

/** Drop nulls, empty objects/arrays and fields a server fills, recursively; keys sorted. */
export function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value === null ? undefined : value;
}

type Template = { metadata?: { labels?: Record<string, string>; creationTimestamp?: unknown } & Record<string, unknown>; spec?: unknown };

/** The template as compared and hashed: without the hash label and server-set metadata. */
export function canonicalTemplate(template: unknown): string {
  const t = structuredClone((template ?? {}) as Template);
  if (t.metadata) {
    delete t.metadata.creationTimestamp;
    if (t.metadata.labels) delete t.metadata.labels[POD_TEMPLATE_HASH];
  }
  return JSON.stringify(normalize(t) ?? {});
}

export function templatesEqual(a: unknown, b: unknown): boolean {
  return canonicalTemplate(a) === canonicalTemplate(b);
}

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// rand.SafeEncodeString: no vowels (no words), no look-alike characters.
const alphanums = "bcdfghjklmnpqrstvwxz2456789";
export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += alphanums[s.charCodeAt(i) % alphanums.length];
  return out;
}

export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalTemplate(template) + (collisionCount ? `#${collisionCount}` : "");
  return safeEncode(String(fnv32a(text)));
}
