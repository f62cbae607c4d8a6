// Where the availability accounting keeps its since-creation seconds across server
// restarts: one ConfigMap, kube-system/skiff-availability, holding {uid: [up, observed]}
// for every tracked object, written once a minute. One small write a minute costs less
// than annotating every Node, Deployment and Service (each such write would wake every
// watcher of that kind) and needs no table of its own; keying by uid means a name that is
// deleted and created again starts afresh, and entries of deleted objects fall away.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";

export type AvailabilityRecords = Map<string, { up: number; observed: number }>;

export type AvailabilityStore = {
  load(): Promise<AvailabilityRecords>;
  /** Replaces the stored records; where another writer (a second server) counted more for a uid, its figures stay. */
  save(records: AvailabilityRecords): Promise<void>;
};

export const AVAILABILITY_NAMESPACE = "kube-system";
export const AVAILABILITY_CONFIGMAP = "skiff-availability";
const KEY = "seconds.json";

export function parseRecords(obj: KubeObject | undefined): AvailabilityRecords {
  const out: AvailabilityRecords = new Map();
  const text = (obj?.data as Record<string, string> | undefined)?.[KEY];
  if (!text) return out;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    for (const [uid, v] of Object.entries(raw)) {
      if (!Array.isArray(v)) continue;
      const [up, observed] = v.map(Number) as [number, number];
      if (Number.isFinite(up) && Number.isFinite(observed) && up >= 0 && observed >= up) out.set(uid, { up, observed });
    }
  } catch {
    // A damaged record is dropped: the ratio then counts from this start, as without a store.
  }
  return out;
}

export function formatRecords(records: AvailabilityRecords): string {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const raw: Record<string, [number, number]> = {};
  for (const [uid, r] of records) raw[uid] = [round(r.up), round(r.observed)];
  return JSON.stringify(raw);
}

/** The ConfigMap store, through the registry (so the write is validated, versioned and watched as any other). */
export function configMapAvailabilityStore(registry: Registry): AvailabilityStore {
  const kind = (): KindDef => {
    const k = registry.kinds.find((d) => d.group === "" && d.kind === "ConfigMap");
    if (!k) throw new Error("the ConfigMap kind is not served");
    return k;
  };
  return {
    async load() {
      return parseRecords(registry.store.get("configmaps", AVAILABILITY_NAMESPACE, AVAILABILITY_CONFIGMAP));
    },
    async save(records) {
      await registry.replace(
        kind(),
        AVAILABILITY_NAMESPACE,
        AVAILABILITY_CONFIGMAP,
        (current) => {
          const merged: AvailabilityRecords = new Map(records);
          for (const [uid, theirs] of parseRecords(current)) {
            const mine = merged.get(uid);
            if (mine && theirs.observed > mine.observed) merged.set(uid, theirs);
          }
          return {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { ...(current?.metadata ?? {}), name: AVAILABILITY_CONFIGMAP, namespace: AVAILABILITY_NAMESPACE, labels: { ...(current?.metadata.labels ?? {}), "app.kubernetes.io/managed-by": "skiff" } },
            data: { [KEY]: formatRecords(merged) },
          };
        },
        {},
        undefined,
        true,
      );
    },
  };
}
