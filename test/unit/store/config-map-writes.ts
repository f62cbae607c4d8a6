// ConfigMap writes for store tests, through any backend's write: create fails on an existing
// object, update on a missing one, remove of a missing one writes nothing.
import type { KubeObject } from "../../../src/api/kinds/kind.ts";
import type { Store } from "../../../src/store/store-interface.ts";

export const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns" }, data }) as KubeObject;
export const create = (store: Store, name: string, data?: Record<string, string>) =>
  store.write("configmaps", "ns", name, (cur) => {
    if (cur) throw new Error(`${name} exists`);
    return { type: "ADDED", object: cm(name, data) };
  });
export const update = (store: Store, name: string, data: Record<string, string>) =>
  store.write("configmaps", "ns", name, (cur) => {
    if (!cur) throw new Error(`${name} missing`);
    return { type: "MODIFIED", object: { ...cur, metadata: { ...cur.metadata }, data } as KubeObject };
  });
export const remove = (store: Store, name: string) => store.write("configmaps", "ns", name, (cur) => (cur ? { type: "DELETED", object: cur } : null));
