// The read side the metrics need: objects of one stored resource, straight from the
// registry's in-memory cache (no sorting, no copies), so a scrape stays cheap; and the one
// thing the metrics write, the availability seconds kept across restarts.
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { configMapAvailabilityStore, type AvailabilityStore } from "./availability-store.ts";

/** Stored resource keys, as the registry names them ("pods", "apps/deployments", …). */
export const RESOURCES = {
  nodes: "nodes",
  pods: "pods",
  services: "services",
  endpoints: "endpoints",
  endpointSlices: "discovery.k8s.io/endpointslices",
  deployments: "apps/deployments",
  replicaSets: "apps/replicasets",
  leases: "coordination.k8s.io/leases",
  events: "events",
} as const;

export type ObjectSource = {
  list(resource: string): readonly KubeObject[];
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
  /** Every stored resource key with its object count. */
  counts(): Iterable<[resource: string, count: number]>;
  /** Where the availability accounting keeps its since-creation seconds; absent, they start with the process. */
  availabilityStore?: AvailabilityStore;
};

export function registrySource(registry: Registry): ObjectSource {
  const store = registry.store;
  return {
    list: (resource) => store.list(resource),
    get: (resource, namespace, name) => store.get(resource, namespace, name),
    *counts() {
      for (const r of store.resources()) yield [r, store.count(r)];
    },
    availabilityStore: configMapAvailabilityStore(registry),
  };
}

/** Upstream's resource label: "deployments.apps" for "apps/deployments", "pods" for "pods". */
export function resourceLabel(key: string): string {
  const i = key.indexOf("/");
  return i < 0 ? key : `${key.slice(i + 1)}.${key.slice(0, i)}`;
}

/** A source over fixed arrays, keyed by resource: for tests and benchmarks. */
export function staticSource(objects: Record<string, KubeObject[]>): ObjectSource {
  return {
    list: (resource) => objects[resource] ?? [],
    get: (resource, namespace, name) => (objects[resource] ?? []).find((o) => (o.metadata.namespace ?? "") === namespace && o.metadata.name === name),
    counts: () => Object.entries(objects).map(([r, list]) => [r, list.length] as [string, number]),
  };
}
