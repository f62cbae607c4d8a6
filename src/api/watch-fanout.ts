// Hands each change of the store only to the watches it can concern: watches are indexed by
// resource, and pod watches that select one node (`spec.nodeName=X`, as every agent's) by
// that node too. Without the index every change (a thousand Lease renewals a second at ten
// thousand nodes) would be offered to every open watch.
import type { Change } from "../store/store.ts";
import type { Registry } from "./registry/registry.ts";
import { nodeOf } from "./pods-by-node.ts";

type Listener = (c: Change) => void;

const fanouts = new WeakMap<Registry, WatchFanout>();

export class WatchFanout {
  private readonly byResource = new Map<string, Set<Listener>>();
  /** Pod watches of one node, by node name. */
  private readonly byNode = new Map<string, Set<Listener>>();

  /** The registry's fan-out, made (and subscribed to the registry) on first use. */
  static of(registry: Registry): WatchFanout {
    let f = fanouts.get(registry);
    if (!f) {
      f = new WatchFanout();
      registry.subscribe((c) => f!.dispatch(c));
      fanouts.set(registry, f);
    }
    return f;
  }

  /** `node`: the watch is of pods and sees only pods bound to this node. */
  subscribe(resource: string, listener: Listener, node?: string): () => void {
    const map = node !== undefined && resource === "pods" ? this.byNode : this.byResource;
    const key = node !== undefined && resource === "pods" ? node : resource;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (!set!.size && map.get(key) === set) map.delete(key);
    };
  }

  private dispatch(c: Change) {
    deliver(this.byResource.get(c.resource), c);
    if (c.resource !== "pods" || !this.byNode.size) return;
    const now = nodeOf(c.object);
    const before = nodeOf(c.previous);
    if (now) deliver(this.byNode.get(now), c);
    // A pod moved between nodes (never, once bound; but a watch must not miss it).
    if (before && before !== now) deliver(this.byNode.get(before), c);
  }
}

function deliver(listeners: Set<Listener> | undefined, c: Change) {
  if (!listeners) return;
  for (const l of listeners) {
    try {
      l(c);
    } catch (e) {
      console.error(`watch listener failed on ${c.resource} ${c.namespace}/${c.name}: ${(e as Error).message}`);
    }
  }
}

/** The node a field selector pins a pod watch to (`spec.nodeName=X` among its terms), if any. */
export function selectedNode(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(",")) {
    const m = /^\s*spec\.nodeName\s*==?\s*([^,=!\s]+)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}
