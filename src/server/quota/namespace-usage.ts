// A namespace's usage of the resources a quota names, counted from the stored objects
// (and, inside a write, the writes planned before it: two creates racing for the last
// slot see each other).
import type { KindDef } from "../../api/kinds/kind.ts";
import { resourceKey, type Registry } from "../../api/registry/registry.ts";
import { countName, sumUsage, type Usage } from "./usage.ts";

const POD_RESOURCES = /^(pods|count\/pods|cpu|memory|ephemeral-storage|requests\..+|limits\..+)$/;

/** The kind whose objects a quota resource name counts, if skiff serves it. */
export function kindCounted(registry: Registry, name: string): KindDef | undefined {
  if (POD_RESOURCES.test(name)) return registry.kindOf("v1", "Pod");
  const plural = name.startsWith("count/") ? name.slice("count/".length) : name;
  return registry.kinds.find((k) => k.namespaced && (k.group ? `${k.plural}.${k.group}` : k.plural) === plural && (name.startsWith("count/") || countName(k) === `count/${name}`));
}

export function namespaceUsage(registry: Registry, namespace: string, names: Set<string>): Usage {
  const used: Usage = new Map();
  const kinds = new Set<KindDef>();
  for (const n of names) {
    const k = kindCounted(registry, n);
    if (k) kinds.add(k);
  }
  for (const k of kinds) sumUsage(k, registry.store.list(resourceKey(k), namespace), names, used);
  return used;
}
