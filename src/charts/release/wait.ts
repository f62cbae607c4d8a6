// --wait: poll until every Deployment of the release is available, as helm's readiness
// check judges it (observed generation caught up, updated and available replicas).
import type { Cluster, KubeObj } from "./cluster.ts";

export class WaitTimeoutError extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** maxUnavailable as an absolute count (percentages round down, as for rolling updates). */
function maxUnavailable(d: KubeObj, replicas: number): number {
  const v = d.spec?.strategy?.rollingUpdate?.maxUnavailable ?? "25%";
  if (d.spec?.strategy?.type === "Recreate") return 0;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v));
  return m ? Math.floor((Number(m[1]) * replicas) / 100) : Number(v) || 0;
}

/** Why a Deployment is not ready yet, or null when it is. */
export function deploymentNotReady(d: KubeObj): string | null {
  const replicas = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  if ((st.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return "the controller has not observed the latest generation";
  if ((st.updatedReplicas ?? 0) < replicas) return `${st.updatedReplicas ?? 0} of ${replicas} replicas updated`;
  const need = replicas - maxUnavailable(d, replicas);
  if ((st.availableReplicas ?? 0) < need) return `${st.availableReplicas ?? 0} of ${need} replicas available`;
  return null;
}

export async function waitForReady(cluster: Cluster, objs: KubeObj[], timeoutMs: number, pollMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const o of objs) {
    if (o.kind !== "Deployment") continue;
    for (;;) {
      const live = await cluster.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
      const why = live ? deploymentNotReady(live) : "not found";
      if (why === null) break;
      if (Date.now() >= deadline) {
        throw new WaitTimeoutError(`resource Deployment/${o.metadata.namespace}/${o.metadata.name} not ready: ${why}: context deadline exceeded`);
      }
      await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
    }
  }
}
