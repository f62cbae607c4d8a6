// A shared informer over the registry's in-memory store: the store already holds every
// object, so an informer only adds secondary indexes (pods by node, by owner…) and fans
// changes out to the controllers that registered handlers, in store order.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import { resourceKey, type Registry } from "../../api/registry/registry.ts";
import type { Change } from "../../store/store.ts";

export type IndexFn = (obj: KubeObject) => string[];
export type ChangeHandler = (obj: KubeObject | undefined, previous: KubeObject | undefined) => void;

const objKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

export class Informer {
  readonly resource: string;
  private readonly indexFns = new Map<string, IndexFn>();
  private readonly indexes = new Map<string, Map<string, Map<string, KubeObject>>>();
  private readonly handlers: ChangeHandler[] = [];

  constructor(
    private readonly registry: Registry,
    readonly kind: KindDef,
  ) {
    this.resource = resourceKey(kind);
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.registry.store.get(this.resource, this.kind.namespaced ? namespace : "", name);
  }

  /** Objects of this kind (in one namespace when given); callers must not mutate them. */
  list(namespace?: string): KubeObject[] {
    return this.registry.store.list(this.resource, this.kind.namespaced ? namespace : undefined);
  }

  addIndex(name: string, fn: IndexFn): void {
    if (this.indexFns.has(name)) return;
    this.indexFns.set(name, fn);
    const index = new Map<string, Map<string, KubeObject>>();
    this.indexes.set(name, index);
    for (const o of this.list()) for (const v of fn(o)) bucket(index, v).set(objKey(o), o);
  }

  byIndex(name: string, value: string): KubeObject[] {
    const b = this.indexes.get(name)?.get(value);
    return b ? [...b.values()] : [];
  }

  countByIndex(name: string, value: string): number {
    return this.indexes.get(name)?.get(value)?.size ?? 0;
  }

  onChange(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Called by the factory for every stored change of this resource. */
  apply(c: Change): void {
    const current = c.type === "DELETED" ? undefined : c.object;
    const previous = c.previous;
    for (const [name, fn] of this.indexFns) {
      const index = this.indexes.get(name)!;
      if (previous) for (const v of fn(previous)) index.get(v)?.delete(objKey(previous));
      if (current) for (const v of fn(current)) bucket(index, v).set(objKey(current), current);
      if (previous) for (const v of fn(previous)) if (index.get(v)?.size === 0) index.delete(v);
    }
    for (const h of this.handlers) {
      try {
        h(current, previous);
      } catch (e) {
        console.error(`informer ${this.resource}: handler failed: ${(e as Error).message}`);
      }
    }
  }
}

function bucket(index: Map<string, Map<string, KubeObject>>, v: string) {
  let b = index.get(v);
  if (!b) index.set(v, (b = new Map()));
  return b;
}

/** One informer per resource, shared by every controller and the scheduler. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private readonly allHandlers: ((c: Change) => void)[] = [];
  private readonly unsubscribe: () => void;

  constructor(readonly registry: Registry) {
    this.unsubscribe = registry.subscribe((c) => {
      this.informers.get(c.resource)?.apply(c);
      for (const h of this.allHandlers) h(c);
    });
  }

  for(kind: KindDef): Informer {
    const key = resourceKey(kind);
    let inf = this.informers.get(key);
    if (!inf) this.informers.set(key, (inf = new Informer(this.registry, kind)));
    return inf;
  }

  /** Every change of every resource (the garbage collector watches them all). */
  onAnyChange(handler: (c: Change) => void): void {
    this.allHandlers.push(handler);
  }

  stop(): void {
    this.unsubscribe();
  }
}
