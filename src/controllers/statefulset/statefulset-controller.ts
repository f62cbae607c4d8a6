// The StatefulSet controller, as upstream's StatefulSetControl: pods NAME-0…N-1 made from
// the template's revision, each with its claims from volumeClaimTemplates created first
// (claims outlive pods unless the retention policy says otherwise); OrderedReady creates
// in order and waits for each pod to be Running and Ready, and removes from the highest
// ordinal one at a time; Parallel does both at once. RollingUpdate replaces pods from the
// highest ordinal down to `partition`, one at a time; OnDelete replaces a pod only when it
// is deleted. ControllerRevisions keep the templates for `kubectl rollout history|undo`.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { labelSelectorMatcher } from "../../api/selectors/index.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { BY_CONTROLLER, controllerRefOf, indexByController, newControllerRef } from "../shared/owner-refs.ts";
import { isNotFoundOrConflict, objectKey, splitKey } from "../shared/object-key.ts";
import { adoptOrphan } from "../shared/adopt.ts";
import { indexPods, ORPHAN_POD_BY_NAMESPACE } from "../replicaset/replicaset-controller.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { isPodAvailable, podPhase } from "../shared/pod-state.ts";
import { revisionHash, revisionHistory } from "../shared/revision-history.ts";
import { claimOwnersUpdate } from "./claim-retention.ts";
import { ordinalOf, podClaims, podRevision, revisionTemplate, specOf, statefulPod } from "./stateful-pods.ts";
import { isRunningAndReady, statefulSetStatus } from "./statefulset-status.ts";

/** How soon a set waiting on a claim being deleted looks again. */
const CLAIM_WAIT_MS = 1000;

export type StatefulSetKinds = { pod: KindDef; statefulSet: KindDef; controllerRevision: KindDef; claim?: KindDef };

export function statefulSetController(registry: Registry, informers: InformerFactory, kinds: StatefulSetKinds, recordEvent: RecordEvent, now: () => number = Date.now): Controller {
  const pods = indexPods(informers, kinds.pod);
  const sets = informers.for(kinds.statefulSet);
  const revisions = informers.for(kinds.controllerRevision);
  indexByController(revisions);
  const history = revisionHistory(registry, { owner: kinds.statefulSet, controllerRevision: kinds.controllerRevision }, (uid) => revisions.byIndex(BY_CONTROLLER, uid));

  const controller = new Controller({
    name: "statefulset",
    workers: 2,
    resyncMs: 30_000,
    allKeys: () => sets.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const sts = sets.get(namespace, name);
      if (!sts || sts.metadata.deletionTimestamp) return;
      return sync(sts);
    },
  });

  async function sync(sts: KubeObject): Promise<{ requeueAfterMs?: number } | void> {
    const spec = specOf(sts);
    const updateCR = await history.current(sts);
    const updateRevision = updateCR.metadata.name!;
    const owned = revisions.byIndex(BY_CONTROLLER, sts.metadata.uid!);
    const priorCurrent = (sts.status as { currentRevision?: string } | undefined)?.currentRevision;
    const currentCR = owned.find((cr) => cr.metadata.name === priorCurrent) ?? updateCR;
    await adoptOrphans(sts);
    const result = await step(sts, currentCR, updateCR);

    const live = ownedPods(sts);
    const status = statefulSetStatus(sts, live, currentCR.metadata.name!, updateRevision, now());
    await writeStatusIfChanged(registry, kinds.statefulSet, sets.get(sts.metadata.namespace!, sts.metadata.name!), sts, status);
    const hashOf = new Map(owned.map((cr) => [cr.metadata.name!, revisionHash(cr)]));
    const inUse = new Set([currentCR.metadata.name!, ...live.map(podRevision)].map((n) => hashOf.get(n) ?? ""));
    await history.prune(sts, revisionHash(updateCR), inUse);
    // A pod that turns available later (minReadySeconds) changes the status without an event.
    const waitingAvailable = live.some((p) => isRunningAndReady(p) && !isPodAvailable(p, spec.minReadySeconds ?? 0, now()));
    return result ?? (waitingAvailable ? { requeueAfterMs: 1000 } : undefined);
  }

  /** Pods named NAME-N that match the selector and have no controller become this set's (e.g. after an orphaning delete). */
  async function adoptOrphans(sts: KubeObject) {
    const matches = labelSelectorMatcher(specOf(sts).selector as never);
    for (const p of pods.byIndex(ORPHAN_POD_BY_NAMESPACE, sts.metadata.namespace!)) {
      if (!p.metadata.deletionTimestamp && ordinalOf(sts, p) !== undefined && matches(p.metadata.labels ?? {})) await adoptOrphan(registry, kinds.pod, p, kinds.statefulSet, sts);
    }
  }

  function ownedPods(sts: KubeObject): KubeObject[] {
    const matches = labelSelectorMatcher(specOf(sts).selector as never);
    return pods.byIndex(BY_CONTROLLER, sts.metadata.uid!).filter((p) => matches(p.metadata.labels ?? {}) && ordinalOf(sts, p) !== undefined);
  }

  /** One pass of upstream's updateStatefulSet: create, repair, condemn, then roll. */
  async function step(sts: KubeObject, currentCR: KubeObject, updateCR: KubeObject): Promise<{ requeueAfterMs?: number } | void> {
    const spec = specOf(sts);
    const start = spec.ordinals?.start ?? 0;
    const end = start + (spec.replicas ?? 1);
    const monotonic = spec.podManagementPolicy !== "Parallel";
    const healthy = (p: KubeObject) => isRunningAndReady(p) && !p.metadata.deletionTimestamp && isPodAvailable(p, spec.minReadySeconds ?? 0, now());
    const byOrdinal = new Map<number, KubeObject>();
    for (const p of ownedPods(sts)) byOrdinal.set(ordinalOf(sts, p)!, p);
    const condemned = [...byOrdinal.keys()].filter((o) => o < start || o >= end).sort((a, b) => b - a);

    await keepClaimOwners(sts, byOrdinal, start, end);

    // Replicas in order: a finished pod is deleted and made again; a missing one is created.
    for (let o = start; o < end; o++) {
      const pod = byOrdinal.get(o);
      if (pod && !pod.metadata.deletionTimestamp && (podPhase(pod) === "Failed" || podPhase(pod) === "Succeeded")) {
        await deletePod(sts, pod);
        if (monotonic) return;
        continue;
      }
      if (!pod) {
        const waiting = await createClaims(sts, o);
        if (waiting) return { requeueAfterMs: CLAIM_WAIT_MS };
        await createPod(sts, o, currentCR, updateCR);
        if (monotonic) return;
        continue;
      }
      if (monotonic && !healthy(pod)) return;
    }

    // Condemned pods, highest ordinal first; OrderedReady only while every other pod is healthy.
    for (const o of condemned) {
      const pod = byOrdinal.get(o)!;
      if (pod.metadata.deletionTimestamp) {
        if (monotonic) return;
        continue;
      }
      if (monotonic) {
        const unhealthy = [...byOrdinal.values()].find((p) => p !== pod && !healthy(p));
        if (unhealthy) return;
      }
      await deletePod(sts, pod);
      if (monotonic) return;
    }

    if ((spec.updateStrategy?.type ?? "RollingUpdate") !== "RollingUpdate") return;
    const partition = start + Math.max(0, spec.updateStrategy?.rollingUpdate?.partition ?? 0);
    for (let o = end - 1; o >= Math.max(partition, start); o--) {
      const pod = byOrdinal.get(o);
      if (!pod) return;
      if (podRevision(pod) !== updateCR.metadata.name && !pod.metadata.deletionTimestamp) {
        await deletePod(sts, pod);
        return;
      }
      if (!healthy(pod)) return;
    }
  }

  /** Pods below the partition keep the current revision; the others get the update. */
  async function createPod(sts: KubeObject, ordinal: number, currentCR: KubeObject, updateCR: KubeObject) {
    const spec = specOf(sts);
    const rolling = (spec.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate";
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const cr = rolling && ordinal < (spec.ordinals?.start ?? 0) + partition ? currentCR : updateCR;
    const pod = statefulPod(sts, ordinal, revisionTemplate(cr), cr.metadata.name!, newControllerRef(kinds.statefulSet, sts));
    try {
      await registry.create(kinds.pod, sts.metadata.namespace!, pod);
      recordEvent(sts, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      if ((e as { code?: number }).code === 409) return;
      recordEvent(sts, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Creates the pod's missing claims; true while one of them is still being deleted. */
  async function createClaims(sts: KubeObject, ordinal: number): Promise<boolean> {
    const wanted = podClaims(sts, ordinal);
    if (!wanted.length) return false;
    if (!kinds.claim) {
      recordEvent(sts, "Warning", "FailedCreate", `create Claim ${wanted[0]!.metadata.name} for StatefulSet ${sts.metadata.name} failed error: PersistentVolumeClaims are not served`);
      return true;
    }
    let waiting = false;
    for (const claim of wanted) {
      const existing = registry.tryGet(kinds.claim, sts.metadata.namespace!, claim.metadata.name!);
      if (existing) {
        waiting ||= !!existing.metadata.deletionTimestamp;
        continue;
      }
      const owners = claimOwnersUpdate(sts, claim, undefined, false);
      if (owners?.length) claim.metadata.ownerReferences = owners;
      try {
        await registry.create(kinds.claim, sts.metadata.namespace!, claim);
        recordEvent(sts, "Normal", "SuccessfulCreate", `create Claim ${claim.metadata.name} Pod ${sts.metadata.name}-${ordinal} in StatefulSet ${sts.metadata.name} success`);
      } catch (e) {
        if ((e as { code?: number }).code === 409) continue;
        recordEvent(sts, "Warning", "FailedCreate", `create Claim ${claim.metadata.name} for Pod ${sts.metadata.name}-${ordinal} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
        throw e;
      }
    }
    return waiting;
  }

  /** Keeps every existing claim's ownerReferences as the retention policy wants them. */
  async function keepClaimOwners(sts: KubeObject, byOrdinal: Map<number, KubeObject>, start: number, end: number) {
    if (!kinds.claim || !specOf(sts).volumeClaimTemplates?.length) return;
    for (const [o, pod] of byOrdinal) {
      for (const claim of podClaims(sts, o)) {
        const existing = registry.tryGet(kinds.claim, sts.metadata.namespace!, claim.metadata.name!);
        if (!existing || existing.metadata.deletionTimestamp) continue;
        const owners = claimOwnersUpdate(sts, existing, pod, o < start || o >= end);
        if (!owners) continue;
        try {
          await registry.replace(kinds.claim, sts.metadata.namespace!, claim.metadata.name!, (cur) => {
            cur!.metadata.ownerReferences = owners.length ? owners : undefined;
            return cur!;
          });
        } catch (e) {
          if (!isNotFoundOrConflict(e)) throw e;
        }
      }
    }
  }

  async function deletePod(sts: KubeObject, p: KubeObject) {
    try {
      await registry.delete(kinds.pod, p.metadata.namespace!, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
      recordEvent(sts, "Normal", "SuccessfulDelete", `delete Pod ${p.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  sets.onChange((s, prev) => controller.enqueue(objectKey(s ?? prev!)));
  pods.onChange((pod, prev) => {
    const p = pod ?? prev!;
    const ref = controllerRefOf(p);
    if (ref?.kind === "StatefulSet") controller.enqueue(`${p.metadata.namespace}/${ref.name}`);
    // An orphan wakes the set whose pod it could be.
    if (pod && !ref) for (const s of sets.list(p.metadata.namespace)) if (ordinalOf(s, p) !== undefined) controller.enqueue(objectKey(s));
  });
  revisions.onChange((cr, prev) => {
    const ref = controllerRefOf(cr ?? prev!);
    if (ref?.kind === "StatefulSet" && !cr) controller.enqueue(`${prev!.metadata.namespace}/${ref.name}`);
  });
  return controller;
}
