// Upstream's GuaranteedUpdate compares the object it would store with the stored one and,
// when they are the same, writes nothing: no new resourceVersion, no watch event.
import type { KubeObject } from "../kinds/kind.ts";
import { deepEqual } from "../validation/deep-equal.ts";

/** Whether storing `next` would change nothing but the resourceVersion of `stored`. */
export function isUnchanged(next: KubeObject, stored: KubeObject): boolean {
  const { resourceVersion: _a, ...nextMeta } = next.metadata;
  const { resourceVersion: _b, ...storedMeta } = stored.metadata;
  return deepEqual({ ...next, metadata: nextMeta }, { ...stored, metadata: storedMeta });
}
