// Volumes in scheduling: a pod whose claim is bound to a volume with node affinity (a local
// or local-path volume) goes only where that volume is; a WaitForFirstConsumer claim not yet
// bound is provisioned on the node chosen for the pod, and the pod is bound once its claims
// are (upstream's VolumeBinding plugin, PreBind included).
import type { KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import type { InformerFactory } from "../controllers/runtime/informer.ts";
import { storageClassOf } from "../api/tables/storage-columns.ts";
import { podClaimNames, SELECTED_NODE_ANNOTATION, volumeReachableFrom } from "../controllers/storage/volume-matching.ts";

export const VOLUME_CONFLICT = "node(s) had volume node affinity conflict";

export type VolumeDecision =
  | { unschedulable: string }
  | {
      /** Whether the pod's bound volumes can be reached from the node; absent when any node can. */
      reachable?: (node: KubeObject) => boolean;
      /** Claims to provision on the chosen node before the pod is bound there. */
      delayed: KubeObject[];
    };

export function volumeDecision(pod: KubeObject, registry: Registry): VolumeDecision {
  const names = podClaimNames(pod);
  if (!names.length) return { delayed: [] };
  const ns = pod.metadata.namespace!;
  const bound: KubeObject[] = [];
  const delayed: KubeObject[] = [];
  for (const name of names) {
    const claim = registry.store.get("persistentvolumeclaims", ns, name);
    if (!claim) return { unschedulable: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata.deletionTimestamp) return { unschedulable: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = (claim.spec as { volumeName?: string } | undefined)?.volumeName;
    if (volumeName) {
      const pv = registry.store.get("persistentvolumes", "", volumeName);
      if (!pv) return { unschedulable: `persistentvolume "${volumeName}" not found` };
      bound.push(pv);
      continue;
    }
    const cls = registry.store.get("storage.k8s.io/storageclasses", "", storageClassOf(claim as never));
    if ((cls as { volumeBindingMode?: string } | undefined)?.volumeBindingMode !== "WaitForFirstConsumer") return { unschedulable: "pod has unbound immediate PersistentVolumeClaims" };
    delayed.push(claim);
  }
  return { reachable: bound.length ? (node) => bound.every((pv) => volumeReachableFrom(pv, node)) : undefined, delayed };
}

/**
 * Name the node on each delayed claim and wait until the persistent-volume controller has
 * bound them all; the pod is bound to the node only then, so its agent finds its volumes.
 */
export async function bindDelayedClaims(registry: Registry, claims: KubeObject[], node: string, timeoutMs = 60_000): Promise<void> {
  const kind = registry.kind("", "v1", "persistentvolumeclaims")!;
  for (const claim of claims) {
    await registry.replace(kind, claim.metadata.namespace!, claim.metadata.name!, (cur) => {
      if (!cur || cur.metadata.uid !== claim.metadata.uid) throw Object.assign(new Error(`persistentvolumeclaim "${claim.metadata.name}" changed`), { code: 409 });
      cur.metadata.annotations = { ...cur.metadata.annotations, [SELECTED_NODE_ANNOTATION]: node };
      return cur;
    });
  }
  const deadline = Date.now() + timeoutMs;
  const volumeOf = (c: KubeObject) => (registry.store.get("persistentvolumeclaims", c.metadata.namespace!, c.metadata.name!)?.spec as { volumeName?: string } | undefined)?.volumeName;
  for (;;) {
    const waiting = claims.filter((c) => !volumeOf(c));
    if (!waiting.length) {
      // Another pod of the same claim may have been placed elsewhere at the same time: the
      // claim went to its node, and this pod is placed again, now where the volume is.
      const nodeObj = registry.store.get("nodes", "", node);
      for (const c of claims) {
        const pv = registry.store.get("persistentvolumes", "", volumeOf(c)!);
        if (!pv || !nodeObj || !volumeReachableFrom(pv, nodeObj)) throw Object.assign(new Error(`persistentvolumeclaim "${c.metadata.name}" was bound to a volume on another node`), { code: 409 });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for persistentvolumeclaim "${waiting[0]!.metadata.name}" to be bound`);
    await Bun.sleep(50);
  }
}

/** Claims and volumes coming, going or binding may let waiting pods through. */
export function onVolumeChanges(registry: Registry, informers: InformerFactory, changed: () => void): void {
  for (const [group, plural] of [["", "persistentvolumeclaims"], ["", "persistentvolumes"], ["storage.k8s.io", "storageclasses"]] as const) {
    const kind = registry.kind(group, "v1", plural);
    if (kind) informers.for(kind).onChange(changed);
  }
}
