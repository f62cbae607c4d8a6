// An in-memory cluster for the lifecycle tests: a fixed set of served kinds, objects by
// key, and a log of every write in order.
import type { Cluster, KindInfo, KubeObj } from "../../../src/charts/release/cluster.ts";

const served: Record<string, KindInfo> = {
  "v1/ConfigMap": { group: "", version: "v1", plural: "configmaps", namespaced: true },
  "v1/Secret": { group: "", version: "v1", plural: "secrets", namespaced: true },
  "v1/Service": { group: "", version: "v1", plural: "services", namespaced: true },
  "v1/ServiceAccount": { group: "", version: "v1", plural: "serviceaccounts", namespaced: true },
  "v1/Pod": { group: "", version: "v1", plural: "pods", namespaced: true },
  "v1/Namespace": { group: "", version: "v1", plural: "namespaces", namespaced: false },
  "apps/v1/Deployment": { group: "apps", version: "v1", plural: "deployments", namespaced: true },
  "batch/v1/Job": { group: "batch", version: "v1", plural: "jobs", namespaced: true },
};

export class FakeCluster implements Cluster {
  objects = new Map<string, KubeObj>();
  log: string[] = [];
  /** Called on every apply; throw to make it fail. */
  onApply?: (o: KubeObj) => void;
  /** Deployments report themselves available as soon as they are applied. */
  autoReady = false;
  /** Called on every create (hooks); may set a status on the stored object. */
  onCreate?: (o: KubeObj) => void;

  static key(kind: string, ns: string | undefined, name: string) { return `${kind}/${ns ?? ""}/${name}`; }

  async kindInfo(apiVersion: string, kind: string) { return served[`${apiVersion}/${kind}`]; }

  async apply(o: KubeObj) {
    this.onApply?.(o);
    const k = FakeCluster.key(o.kind, o.metadata.namespace, o.metadata.name);
    const old = this.objects.get(k);
    const stored = structuredClone({ ...o, metadata: { ...o.metadata, generation: (old?.metadata.generation ?? 0) + 1 }, status: old?.status });
    if (this.autoReady && o.kind === "Deployment") {
      const n = o.spec?.replicas ?? 1;
      stored.status = { observedGeneration: stored.metadata.generation, replicas: n, updatedReplicas: n, availableReplicas: n };
    }
    this.objects.set(k, stored);
    this.log.push(`apply ${k}`);
    return stored;
  }

  async create(o: KubeObj) {
    const k = FakeCluster.key(o.kind, o.metadata.namespace, o.metadata.name);
    if (this.objects.has(k)) throw new Error(`${o.kind} "${o.metadata.name}" already exists`);
    const stored = structuredClone(o);
    this.objects.set(k, stored);
    this.log.push(`create ${k}`);
    this.onCreate?.(stored);
    return stored;
  }

  async get(_apiVersion: string, kind: string, ns: string | undefined, name: string) {
    const o = this.objects.get(FakeCluster.key(kind, ns, name));
    return o ? structuredClone(o) : undefined;
  }

  async delete(_apiVersion: string, kind: string, ns: string | undefined, name: string) {
    const k = FakeCluster.key(kind, ns, name);
    const had = this.objects.delete(k);
    if (had) this.log.push(`delete ${k}`);
    return had;
  }

  async ensureNamespace(name: string) {
    const k = FakeCluster.key("Namespace", undefined, name);
    if (!this.objects.has(k)) {
      this.objects.set(k, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
      this.log.push(`create ${k}`);
    }
  }
}
