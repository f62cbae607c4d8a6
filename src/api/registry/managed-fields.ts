// Field ownership for ordinary writes (server-side apply's bookkeeping for Update operations).
import type { KindDef, KubeObject } from "../kinds/kind.ts";
import { recordUpdate } from "../patch/index.ts";
import { nowTimestamp } from "./metadata.ts";

/** Update `next.metadata.managedFields` in place so `manager` owns what it changed. */
export function recordManagedFields(old: KubeObject | undefined, next: KubeObject, manager: string, kind: KindDef, _op: "Update", subresource?: string) {
  const updated = recordUpdate(old as Record<string, unknown> | undefined, next as Record<string, unknown>, {
    manager,
    gvk: { group: kind.group, version: kind.version, kind: kind.kind },
    now: nowTimestamp(),
    subresource,
  }) as KubeObject;
  next.metadata.managedFields = updated.metadata.managedFields;
}
