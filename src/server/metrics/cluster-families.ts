// The cluster-state families of /metrics, written straight from the ClusterIndex: nodes by
// condition, per node conditions, pods, restarts, heartbeat and capacity, pods by namespace
// and phase, and Deployments' replicas and restarts.
import type { Registry as PromRegistry } from "prom-client";
import { RESOURCES, type ObjectSource } from "./object-source.ts";
import type { ClusterIndex } from "./cluster-index.ts";
import { labelText, TextFamily, type Emit } from "./text-family.ts";

/** Label text cache for small, repeating label sets (condition/status, namespace/phase, …). */
function labelCache() {
  const cache = new Map<string, string>();
  return (key: string, labels: Record<string, string>) => {
    let t = cache.get(key);
    if (t === undefined) cache.set(key, (t = labelText(labels)));
    return t;
  };
}

export function registerClusterFamilies(index: () => ClusterIndex, source: ObjectSource, registers: PromRegistry[]) {
  const gauge = (name: string, help: string, series: (emit: Emit) => void) => new TextFamily({ name, help, type: "gauge", registers, series });
  const conditionLabels = labelCache();
  const capacityLabels = labelCache();
  const phaseLabels = labelCache();

  gauge("skiff_nodes", "Nodes by condition type and status.", (emit) => {
    const counts = new Map<string, number>();
    for (const n of index().nodes.values()) for (const c of n.conditions) {
      const k = `${c.type}\0${c.status}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, v] of counts) {
      const [condition, status] = k.split("\0") as [string, string];
      emit(conditionLabels(k, { condition, status }), v);
    }
  });
  gauge("skiff_node_condition", "1 for each node's current status of each condition.", (emit) => {
    for (const n of index().nodes.values()) for (const c of n.conditions) emit(`${n.label},${conditionLabels(`${c.type}\0${c.status}`, { condition: c.type, status: c.status })}`, 1);
  });
  gauge("skiff_node_pods", "Pods bound to the node and not finished.", (emit) => {
    const ix = index();
    for (const [name, n] of ix.nodes) emit(n.label, ix.nodeLoad.get(name)?.pods ?? 0);
  });
  gauge("skiff_node_container_restarts", "Container restarts of the pods currently on the node (sum of restartCount).", (emit) => {
    const ix = index();
    for (const [name, n] of ix.nodes) emit(n.label, ix.nodeLoad.get(name)?.restarts ?? 0);
  });
  gauge("skiff_node_last_heartbeat_timestamp_seconds", "Unix time of the node's last heartbeat (Lease renewal or condition heartbeat) seen by the server.", (emit) => {
    const ix = index();
    for (const [name, n] of ix.nodes) {
      const t = ix.heartbeat(name, n);
      if (t !== undefined) emit(n.label, t);
    }
  });
  gauge("skiff_node_capacity", "The node's reported capacity by resource (cpu in cores, memory and storage in bytes, pods).", (emit) => {
    for (const n of index().nodes.values()) for (const [resource, v] of n.capacity) emit(`${n.label},${capacityLabels(resource, { resource })}`, v);
  });
  gauge("skiff_pods", "Pods by namespace and phase.", (emit) => {
    for (const [k, v] of index().podsByPhase) {
      const [namespace, phase] = k.split("\0") as [string, string];
      emit(phaseLabels(k, { namespace, phase }), v);
    }
  });

  type Pick = (d: { desired: number; available: number; ready: number }, restarts: number) => number;
  const deploymentGauge = (name: string, help: string, pick: Pick, withRestarts = false) =>
    gauge(name, help, (emit) => {
      const ix = index();
      const restarts = withRestarts ? restartsByDeployment(ix, source) : undefined;
      for (const [key, d] of ix.deployments) emit(d.label, pick(d, restarts?.get(key) ?? 0));
    });
  deploymentGauge("skiff_deployment_spec_replicas", "Desired replicas of the Deployment.", (d) => d.desired);
  deploymentGauge("skiff_deployment_status_replicas_available", "Available replicas of the Deployment.", (d) => d.available);
  deploymentGauge("skiff_deployment_status_replicas_ready", "Ready replicas of the Deployment.", (d) => d.ready);
  deploymentGauge("skiff_deployment_container_restarts", "Container restarts of the Deployment's current pods (sum of restartCount).", (_, r) => r, true);
}

/** "namespace/deployment" → restarts, through each ReplicaSet's controller (looked up now: ownership can change). */
function restartsByDeployment(ix: ClusterIndex, source: ObjectSource): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, restarts] of ix.replicaSetRestarts) {
    const slash = key.indexOf("/");
    const ns = key.slice(0, slash);
    const rs = source.get(RESOURCES.replicaSets, ns, key.slice(slash + 1));
    const dep = (rs?.metadata.ownerReferences as { kind: string; name: string; controller?: boolean }[] | undefined)?.find((r) => r.kind === "Deployment" && r.controller !== false)?.name;
    if (dep) out.set(`${ns}/${dep}`, (out.get(`${ns}/${dep}`) ?? 0) + restarts);
  }
  return out;
}
