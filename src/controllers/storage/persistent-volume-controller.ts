// The persistent-volume controller: binds claims to volumes that fit them, provisions a
// local-path volume (a directory under the storage path on the node the scheduler chose)
// for a WaitForFirstConsumer claim without one, releases or deletes a volume whose claim
// is gone (reclaim Retain/Delete), fills in the default class, and holds a claim's
// deletion while a pod uses it (kubernetes.io/pvc-protection).
import { join } from "node:path";
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { storageClassOf } from "../../api/tables/storage-columns.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { isNotFound, splitKey } from "../shared/object-key.ts";
import { podPhase } from "../shared/pod-state.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import {
  BIND_COMPLETED_ANNOTATION,
  isDefaultClass,
  LOCAL_PATH_CLEANUP_FINALIZER,
  LOCAL_PATH_PROVISIONER,
  podClaimNames,
  PROVISIONED_BY_ANNOTATION,
  PVC_PROTECTION_FINALIZER,
  PV_PROTECTION_FINALIZER,
  SELECTED_NODE_ANNOTATION,
  volumeAvailableFor,
  volumeFitsClaim,
  volumeReachableFrom,
} from "./volume-matching.ts";
import { parseQuantity } from "../../api/quantity.ts";

export type StorageKinds = { pod: KindDef; node: KindDef; claim: KindDef; volume: KindDef; storageClass: KindDef };

export function persistentVolumeController(registry: Registry, informers: InformerFactory, kinds: StorageKinds, recordEvent: RecordEvent, localStoragePath: string): Controller {
  const claims = informers.for(kinds.claim);
  const volumes = informers.for(kinds.volume);
  const classes = informers.for(kinds.storageClass);
  const nodes = informers.for(kinds.node);
  const pods = informers.for(kinds.pod);
  pods.addIndex("claim", (p) => podClaimNames(p).map((c) => `${p.metadata.namespace}/${c}`));

  const claimKey = (ns: string, name: string) => `pvc:${ns}/${name}`;
  const spec = (o: KubeObject) => (o.spec ?? {}) as any;

  /** A pod that has not finished still needs the claim. */
  const inUse = (claim: KubeObject) =>
    pods.byIndex("claim", `${claim.metadata.namespace}/${claim.metadata.name}`).some((p) => !["Succeeded", "Failed"].includes(podPhase(p) ?? ""));

  const updateClaim = (claim: KubeObject, change: (c: KubeObject) => void) =>
    registry.replace(kinds.claim, claim.metadata.namespace!, claim.metadata.name!, (cur) => {
      if (!cur || cur.metadata.uid !== claim.metadata.uid) throw Object.assign(new Error("claim replaced"), { code: 409 });
      change(cur);
      return cur;
    });

  async function syncClaim(ns: string, name: string) {
    const claim = claims.get(ns, name);
    if (!claim) return;
    const finalizers = claim.metadata.finalizers ?? [];
    if (claim.metadata.deletionTimestamp) {
      if (finalizers.includes(PVC_PROTECTION_FINALIZER) && !inUse(claim)) {
        await updateClaim(claim, (c) => (c.metadata.finalizers = (c.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION_FINALIZER)));
      }
      return;
    }
    if (!finalizers.includes(PVC_PROTECTION_FINALIZER)) {
      await updateClaim(claim, (c) => (c.metadata.finalizers = [...(c.metadata.finalizers ?? []), PVC_PROTECTION_FINALIZER]));
      return;
    }
    const s = spec(claim);
    if (s.volumeName) return completeBinding(claim);
    if (s.storageClassName === undefined && !claim.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"]) {
      // A claim without a class gets the default one (upstream's DefaultStorageClass admission, applied retroactively).
      const def = classes.list().find(isDefaultClass);
      if (def) await updateClaim(claim, (c) => ((c.spec as any).storageClassName = def.metadata.name));
      return;
    }
    const cls = classes.get("", storageClassOf(claim as never));
    const selectedNode = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    // Bound with the first pod that uses it: the scheduler names the node.
    if (cls && (cls as any).volumeBindingMode === "WaitForFirstConsumer" && !selectedNode) {
      recordEvent(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
      return;
    }
    const node = selectedNode ? nodes.get("", selectedNode) : undefined;
    const candidates = volumes
      .list()
      .filter((pv) => volumeAvailableFor(pv, claim) && volumeFitsClaim(pv, claim) && (!node || volumeReachableFrom(pv, node)))
      .sort((a, b) => Number((parseQuantity(spec(a).capacity?.storage)?.milli ?? 0n) - (parseQuantity(spec(b).capacity?.storage)?.milli ?? 0n)));
    // A volume pre-bound to this claim comes first, then the smallest that fits.
    const pv = candidates.find((v) => spec(v).claimRef) ?? candidates[0];
    if (pv) return bind(pv, claim);
    if ((cls as any)?.provisioner === LOCAL_PATH_PROVISIONER) {
      if (!selectedNode) {
        recordEvent(claim, "Warning", "ProvisioningFailed", `storageclass "${cls!.metadata.name}" provisions local volumes: its volumeBindingMode must be WaitForFirstConsumer`);
        return;
      }
      const created = await provision(claim, cls!, selectedNode);
      return bind(created, claim);
    }
    if (!cls && storageClassOf(claim as never) !== "") {
      recordEvent(claim, "Warning", "ProvisioningFailed", `storageclass.storage.k8s.io "${storageClassOf(claim as never)}" not found`);
      return;
    }
    if (!cls) recordEvent(claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
    // A class with another provisioner: its provisioner runs elsewhere.
  }

  async function provision(claim: KubeObject, cls: KubeObject, nodeName: string): Promise<KubeObject> {
    const name = `pvc-${claim.metadata.uid}`;
    const existing = volumes.get("", name);
    if (existing) return existing;
    const reclaim = (cls as any).reclaimPolicy ?? "Delete";
    const pv = await registry.create(kinds.volume, "", {
      metadata: {
        name,
        annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER },
        // The node's agent removes the directory, then lets the object go.
        finalizers: reclaim === "Delete" ? [PV_PROTECTION_FINALIZER, LOCAL_PATH_CLEANUP_FINALIZER] : [PV_PROTECTION_FINALIZER],
      },
      spec: {
        capacity: { storage: spec(claim).resources?.requests?.storage },
        accessModes: spec(claim).accessModes,
        persistentVolumeReclaimPolicy: reclaim,
        storageClassName: cls.metadata.name,
        volumeMode: "Filesystem",
        hostPath: { path: join(localStoragePath, name), type: "DirectoryOrCreate" },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [nodeName] }] }] } },
        claimRef: claimRef(claim),
      },
    });
    recordEvent(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name} on node ${nodeName}`);
    return pv;
  }

  const claimRef = (claim: KubeObject) => ({ kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: "v1" });

  async function bind(pv: KubeObject, claim: KubeObject) {
    await registry.replace(kinds.volume, "", pv.metadata.name!, (cur) => {
      if (!cur) throw Object.assign(new Error("volume gone"), { code: 404 });
      (cur.spec as any).claimRef = claimRef(claim);
      return cur;
    });
    await updateClaim(claim, (c) => {
      (c.spec as any).volumeName = pv.metadata.name;
      c.metadata.annotations = { ...c.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: "yes" };
    });
  }

  /** The claim names its volume: make both sides say Bound. */
  async function completeBinding(claim: KubeObject) {
    const pv = volumes.get("", spec(claim).volumeName);
    const status = claim.status as any;
    if (!pv) {
      if (status?.phase === "Bound") recordEvent(claim, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
      return writeStatusIfChanged(registry, kinds.claim, claims.get(claim.metadata.namespace!, claim.metadata.name!), claim, { phase: "Lost" });
    }
    const ref = spec(pv).claimRef;
    if (!ref) return bind(pv, claim);
    if (ref.uid !== claim.metadata.uid) return writeStatusIfChanged(registry, kinds.claim, claim, claim, { phase: "Pending" });
    await writeStatusIfChanged(registry, kinds.claim, claim, claim, { phase: "Bound", accessModes: spec(pv).accessModes, capacity: spec(pv).capacity });
  }

  const updateVolume = (pv: KubeObject, change: (v: KubeObject) => void) =>
    registry.replace(kinds.volume, "", pv.metadata.name!, (cur) => {
      if (!cur || cur.metadata.uid !== pv.metadata.uid) throw Object.assign(new Error("volume replaced"), { code: 409 });
      change(cur);
      return cur;
    });

  async function syncVolume(name: string) {
    const pv = volumes.get("", name);
    if (!pv) return;
    const ref = spec(pv).claimRef;
    const claim = ref ? claims.get(ref.namespace ?? "", ref.name ?? "") : undefined;
    // kubernetes.io/pv-protection: a volume bound to a claim that still exists is not deleted under it.
    const protectedBy = (pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER);
    const inUse = !!claim && claim.metadata.uid === ref?.uid && spec(claim).volumeName === name;
    if (pv.metadata.deletionTimestamp) {
      if (protectedBy && !inUse) await updateVolume(pv, (v) => (v.metadata.finalizers = (v.metadata.finalizers ?? []).filter((f) => f !== PV_PROTECTION_FINALIZER)));
      return;
    }
    if (!protectedBy) {
      await updateVolume(pv, (v) => (v.metadata.finalizers = [...(v.metadata.finalizers ?? []), PV_PROTECTION_FINALIZER]));
      return;
    }
    let phase = "Available";
    if (ref && claim && (!ref.uid || ref.uid === claim.metadata.uid)) phase = spec(claim).volumeName === name ? "Bound" : "Available";
    else if (ref?.uid) {
      // Its claim is gone: keep the data (Retain) or delete the volume (Delete).
      if (spec(pv).persistentVolumeReclaimPolicy === "Delete") {
        try {
          await registry.delete(kinds.volume, "", name, { preconditions: { uid: pv.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        return;
      }
      phase = "Released";
    }
    await writeStatusIfChanged(registry, kinds.volume, pv, pv, { phase });
  }

  const controller = new Controller({
    name: "persistentvolume",
    workers: 1,
    resyncMs: 30_000,
    allKeys: () => [...claims.list().map((c) => claimKey(c.metadata.namespace!, c.metadata.name!)), ...volumes.list().map((v) => `pv:${v.metadata.name}`)],
    reconcile: async (key) => {
      if (key.startsWith("pv:")) return syncVolume(key.slice(3));
      const { namespace, name } = splitKey(key.slice(4));
      await syncClaim(namespace, name);
    },
  });

  claims.onChange((c, prev) => {
    const o = c ?? prev!;
    controller.enqueue(claimKey(o.metadata.namespace!, o.metadata.name!));
    const volumeName = spec(o).volumeName ?? spec(prev ?? o).volumeName;
    if (volumeName) controller.enqueue(`pv:${volumeName}`);
    // A deleted claim releases whichever volume points at it.
    if (!c) for (const pv of volumes.list()) if (spec(pv).claimRef?.uid === o.metadata.uid) controller.enqueue(`pv:${pv.metadata.name}`);
  });
  volumes.onChange((v, prev) => {
    const o = v ?? prev!;
    controller.enqueue(`pv:${o.metadata.name}`);
    const ref = spec(o).claimRef;
    if (ref) controller.enqueue(claimKey(ref.namespace, ref.name));
    // A new or freed volume may be what a pending claim waits for.
    if (v && !ref) for (const c of claims.list()) if (!spec(c).volumeName) controller.enqueue(claimKey(c.metadata.namespace!, c.metadata.name!));
  });
  classes.onChange((sc) => {
    if (sc && isDefaultClass(sc)) for (const c of claims.list()) if (spec(c).storageClassName === undefined) controller.enqueue(claimKey(c.metadata.namespace!, c.metadata.name!));
  });
  // A pod that goes away or finishes may free a claim waiting to be deleted.
  pods.onChange((p, prev) => {
    for (const pod of [p, prev]) if (pod) for (const c of podClaimNames(pod)) controller.enqueue(claimKey(pod.metadata.namespace!, c));
  });
  return controller;
}
