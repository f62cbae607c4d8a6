// What the release actions need from a cluster: which kinds it serves, server-side apply,
// create (hooks), get and delete. The ApiClient implementation lives in api-cluster.ts;
// tests use an in-memory one.

export interface KubeObj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; generation?: number; [k: string]: unknown };
  spec?: any;
  status?: any;
  [k: string]: unknown;
}

export interface KindInfo { group: string; version: string; plural: string; namespaced: boolean }

export interface Cluster {
  /** The kind served under apiVersion, or undefined when the server does not serve it. */
  kindInfo(apiVersion: string, kind: string): Promise<KindInfo | undefined>;
  apply(obj: KubeObj): Promise<KubeObj>;
  create(obj: KubeObj): Promise<KubeObj>;
  /** undefined when it does not exist. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObj | undefined>;
  /** false when it was already gone. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<boolean>;
  ensureNamespace(name: string): Promise<void>;
}

/** Identity of an object across revisions (what decides "no longer in the manifest"). */
export function objectKey(o: Pick<KubeObj, "apiVersion" | "kind" | "metadata">): string {
  const group = o.apiVersion.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
  return `${group}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}
