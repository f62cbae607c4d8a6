// What both store backends show a write while it is being planned: the committed objects of a
// list with the writes planned before it laid over them, so allocators (ClusterIPs, NodePorts,
// pod subnets) listing what is taken from inside their write see each other.
import type { KubeObject } from "../api/kinds/kind.ts";

/** A write planned but not stored yet; `object` undefined is a deletion. */
export type PlannedWrite = { namespace: string; name: string; object: KubeObject | undefined };

export function withPlannedWrites(committed: KubeObject[], planned: PlannedWrite[], namespace?: string): KubeObject[] {
  if (!planned.length) return committed;
  const keyOf = (ns: string, name: string) => `${ns}/${name}`;
  const byKey = new Map(committed.map((o) => [keyOf(o.metadata.namespace ?? "", o.metadata.name!), o]));
  for (const p of planned) {
    if (namespace !== undefined && p.namespace !== namespace) continue;
    if (p.object === undefined) byKey.delete(keyOf(p.namespace, p.name));
    else byKey.set(keyOf(p.namespace, p.name), p.object);
  }
  return [...byKey.values()];
}
