// A controller's status write: only when the status changed, and only to the object it
// computed it for (a deleted-and-recreated object of the same name is left alone).
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { isNotFound } from "./object-key.ts";

export async function writeStatusIfChanged(registry: Registry, kind: KindDef, latest: KubeObject | undefined, obj: KubeObject, status: object): Promise<void> {
  if (!latest || latest.metadata.uid !== obj.metadata.uid) return;
  if (JSON.stringify(latest.status ?? {}) === JSON.stringify(status)) return;
  try {
    await registry.replace(
      kind,
      obj.metadata.namespace!,
      obj.metadata.name!,
      (cur) => {
        const next = cur!;
        next.status = status;
        return next;
      },
      {},
      "status",
    );
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
