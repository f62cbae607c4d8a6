// Which pods are bound to each node, kept from the store's changes, so an agent's list of
// its own pods (`spec.nodeName=X`, at every start and every re-list of its watch) reads its
// few pods instead of filtering every pod of the cluster.
import type { KindDef, KubeObject } from "./kinds/kind.ts";
import type { Registry } from "./registry/registry.ts";

const indexes = new WeakMap<Registry, PodsByNode>();
/** The node a pod is bound to, if any. */
export const nodeOf = (o: KubeObject | undefined) => (o?.spec as { nodeName?: string } | undefined)?.nodeName;

export class PodsByNode {
  /** Node name → "namespace/name" of its pods. */
  private readonly byNode = new Map<string, Set<string>>();

  private constructor(
    private readonly registry: Registry,
    private readonly pods: KindDef,
  ) {}

  /** The registry's index, built from the current pods and then kept current (same tick: nothing falls between). */
  static of(registry: Registry, pods: KindDef): PodsByNode {
    let index = indexes.get(registry);
    if (!index) {
      const made = (index = new PodsByNode(registry, pods));
      for (const p of registry.list(pods, undefined).items) made.add(nodeOf(p), p);
      registry.subscribe((c) => {
        if (c.resource !== "pods") return;
        const before = nodeOf(c.previous);
        const now = c.type === "DELETED" ? undefined : nodeOf(c.object);
        if (before === now) return;
        made.remove(before, c.object);
        made.add(now, c.object);
      });
      indexes.set(registry, made);
    }
    return index;
  }

  /** The pods bound to `node` now. */
  podsOn(node: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of this.byNode.get(node) ?? []) {
      const slash = key.indexOf("/");
      const p = this.registry.tryGet(this.pods, key.slice(0, slash), key.slice(slash + 1));
      if (p && nodeOf(p) === node) out.push(p);
    }
    return out;
  }

  private add(node: string | undefined, p: KubeObject) {
    if (!node) return;
    let set = this.byNode.get(node);
    if (!set) this.byNode.set(node, (set = new Set()));
    set.add(`${p.metadata.namespace}/${p.metadata.name}`);
  }

  private remove(node: string | undefined, p: KubeObject) {
    const set = node ? this.byNode.get(node) : undefined;
    if (!set) return;
    set.delete(`${p.metadata.namespace}/${p.metadata.name}`);
    if (!set.size) this.byNode.delete(node!);
  }
}
