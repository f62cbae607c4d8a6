// Pod helpers the cluster metrics share: restarts of a pod, and the Deployment a pod
// belongs to through its ReplicaSet.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { RESOURCES, type ObjectSource } from "./object-source.ts";

export function restartsOf(pod: KubeObject): number {
  const statuses = (pod.status as { containerStatuses?: { restartCount?: number }[] } | undefined)?.containerStatuses ?? [];
  let n = 0;
  for (const s of statuses) n += s.restartCount ?? 0;
  return n;
}

type OwnerRef = { kind: string; name: string; controller?: boolean };

/** Pod → ReplicaSet → Deployment, through controller ownerReferences (ReplicaSets looked up once each). */
export class DeploymentOwners {
  private readonly replicaSets = new Map<string, string | undefined>();
  constructor(private readonly source: ObjectSource) {}

  deploymentOf(pod: KubeObject): string | undefined {
    const rs = controllerOf(pod, "ReplicaSet");
    if (!rs) return undefined;
    const ns = pod.metadata.namespace ?? "";
    const key = `${ns}/${rs}`;
    if (!this.replicaSets.has(key)) {
      const set = this.source.get(RESOURCES.replicaSets, ns, rs);
      this.replicaSets.set(key, set ? controllerOf(set, "Deployment") : undefined);
    }
    return this.replicaSets.get(key);
  }
}

function controllerOf(obj: KubeObject, kind: string): string | undefined {
  const refs = (obj.metadata.ownerReferences ?? []) as OwnerRef[];
  return refs.find((r) => r.kind === kind && r.controller !== false)?.name;
}
