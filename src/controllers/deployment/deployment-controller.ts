// The Deployment controller, as upstream's: one ReplicaSet per pod template, rolling
// updates bounded by maxSurge/maxUnavailable, Recreate, proportional scaling, revisions
// for rollout history/undo, history pruning, pause and the progress deadline.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import { labelSelectorMatcher } from "../../api/selectors/index.ts";
import { Controller, type ReconcileResult } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { controllerRefOf, newControllerRef } from "../shared/owner-refs.ts";
import { isNotFound, isNotFoundOrConflict, objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { POD_BY_CONTROLLER, indexPods } from "../replicaset/replicaset-controller.ts";
import { POD_TEMPLATE_HASH, podTemplateHash, templatesEqual } from "./template-hash.ts";
import { isRollingUpdate, maxSurge, maxUnavailable, newReplicaSetReplicas, replicasOf, type DeploymentSpec } from "./rollout-math.ts";
import { DESIRED_REPLICAS, MAX_REPLICAS, REVISION, copiedAnnotations, desiredReplicasOf, maxReplicasOf, revisionOf } from "./revisions.ts";
import { calculateStatus, deadlineIn, getCondition, isComplete, isProgressing, setCondition, type Condition } from "./deployment-status.ts";

const RS_BY_CONTROLLER = "controller-uid";
const replicasOfRS = (rs: KubeObject) => (rs.spec as { replicas?: number }).replicas ?? 1;
const rsStatus = (rs: KubeObject) => (rs.status ?? {}) as { replicas?: number; availableReplicas?: number };
const createdAt = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? "") || 0;
const olderFirst = (a: KubeObject, b: KubeObject) => createdAt(a) - createdAt(b) || ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1);

/** The state one reconcile works on: the Deployment, its sets, and the conditions it will write. */
type Sync = { d: KubeObject; spec: DeploymentSpec; sets: KubeObject[]; conditions: Condition[] };

export function deploymentController(registry: Registry, informers: InformerFactory, kinds: { pod: KindDef; replicaSet: KindDef; deployment: KindDef }, recordEvent: RecordEvent): Controller {
  const deployments = informers.for(kinds.deployment);
  const sets = informers.for(kinds.replicaSet);
  sets.addIndex(RS_BY_CONTROLLER, (rs) => {
    const ref = controllerRefOf(rs);
    return ref ? [ref.uid] : [];
  });
  const pods = indexPods(informers, kinds.pod);

  const controller = new Controller({
    name: "deployment",
    workers: 2,
    resyncMs: 30_000,
    allKeys: () => deployments.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const d = deployments.get(namespace, name);
      if (!d || d.metadata.deletionTimestamp) return;
      return reconcile(d);
    },
  });

  async function reconcile(d: KubeObject): Promise<ReconcileResult> {
    const spec = d.spec as DeploymentSpec;
    const selectorEmpty = !spec.selector || (!Object.keys(spec.selector.matchLabels ?? {}).length && !spec.selector.matchExpressions?.length);
    if (selectorEmpty) {
      recordEvent(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      return;
    }
    const s: Sync = { d, spec, sets: await claimReplicaSets(d), conditions: [...(((d.status as { conditions?: Condition[] }) ?? {}).conditions ?? [])] };
    pausedConditions(s);
    if (spec.paused) return syncScaleOnly(s, true);
    if (isScalingEvent(s)) return syncScaleOnly(s, false);
    return isRollingUpdate(spec) ? rolloutRolling(s) : rolloutRecreate(s);
  }

  // ---- ownership ----

  async function claimReplicaSets(d: KubeObject): Promise<KubeObject[]> {
    const matches = labelSelectorMatcher((d.spec as DeploymentSpec).selector);
    const out: KubeObject[] = [];
    for (const rs of sets.byIndex(RS_BY_CONTROLLER, d.metadata.uid!)) {
      if (matches(rs.metadata.labels ?? {})) out.push(rs);
      else if (!rs.metadata.deletionTimestamp) await updateRS(rs, (r) => void (r.metadata.ownerReferences = (r.metadata.ownerReferences ?? []).filter((o) => o.uid !== d.metadata.uid)));
    }
    for (const rs of sets.list(d.metadata.namespace)) {
      if (controllerRefOf(rs) || rs.metadata.deletionTimestamp || !matches(rs.metadata.labels ?? {})) continue;
      const adopted = await updateRS(rs, (r) => {
        if (controllerRefOf(r)) throw Object.assign(new Error("already owned"), { code: 409 });
        r.metadata.ownerReferences = [...(r.metadata.ownerReferences ?? []), newControllerRef(kinds.deployment, d)];
      });
      if (adopted) out.push(adopted);
    }
    return out;
  }

  // ---- finding and creating the new ReplicaSet ----

  function findNewRS(s: Sync): KubeObject | undefined {
    return [...s.sets].sort(olderFirst).find((rs) => templatesEqual((rs.spec as DeploymentSpec).template, s.spec.template));
  }

  /** getAllReplicaSetsAndSyncRevision: the new set (created when asked) with the next revision, and the old ones. */
  async function newAndOld(s: Sync, create: boolean): Promise<{ newRS?: KubeObject; old: KubeObject[] }> {
    const found = findNewRS(s);
    const old = s.sets.filter((rs) => rs !== found);
    const newRevision = Math.max(0, ...old.map(revisionOf)) + 1;
    let newRS = found;
    if (found) {
      const desired = String(replicasOf(s.spec));
      const max = String(replicasOf(s.spec) + maxSurge(s.spec));
      const a = found.metadata.annotations ?? {};
      if (revisionOf(found) < newRevision || a[DESIRED_REPLICAS] !== desired || a[MAX_REPLICAS] !== max) {
        newRS = (await updateRS(found, (r) => {
          const ann = (r.metadata.annotations ??= {});
          if (revisionOf(r) < newRevision) ann[REVISION] = String(newRevision);
          ann[DESIRED_REPLICAS] = desired;
          ann[MAX_REPLICAS] = max;
        })) ?? found;
      }
      if (!getCondition(s.conditions, "Progressing")) s.conditions = setCondition(s.conditions, "Progressing", "True", "FoundNewReplicaSet", `Found new replica set "${found.metadata.name}"`);
    } else if (create) {
      newRS = await createNewRS(s, old, newRevision);
    }
    if (newRS) await setDeploymentRevision(s, revisionOf(newRS));
    s.sets = newRS ? [...old, newRS] : old;
    return { newRS, old };
  }

  async function createNewRS(s: Sync, old: KubeObject[], revision: number): Promise<KubeObject | undefined> {
    const collisionCount = ((s.d.status as { collisionCount?: number }) ?? {}).collisionCount ?? 0;
    const hash = podTemplateHash(s.spec.template, collisionCount);
    const template = structuredClone(s.spec.template ?? {});
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(s.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const replicas = newReplicaSetReplicas(s.spec, old.map(replicasOfRS), 0);
    const name = `${s.d.metadata.name}-${hash}`;
    const body = {
      metadata: {
        name,
        namespace: s.d.metadata.namespace,
        labels: { ...(template.metadata.labels ?? {}) },
        annotations: { ...copiedAnnotations(s.d), [REVISION]: String(revision), [DESIRED_REPLICAS]: String(replicasOf(s.spec)), [MAX_REPLICAS]: String(replicasOf(s.spec) + maxSurge(s.spec)) },
        ownerReferences: [newControllerRef(kinds.deployment, s.d)],
      },
      spec: { replicas, minReadySeconds: s.spec.minReadySeconds ?? 0, selector, template },
    };
    try {
      const rs = await registry.create(kinds.replicaSet, s.d.metadata.namespace!, body);
      if (replicas > 0) recordEvent(s.d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${name} from 0 to ${replicas}`);
      s.conditions = setCondition(s.conditions, "Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${name}"`);
      return rs;
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      // A set of that name exists: ours with the same template (a lagging view) is the new one;
      // anything else is a hash collision, resolved by bumping collisionCount as upstream.
      const existing = sets.get(s.d.metadata.namespace!, name);
      if (existing && controllerRefOf(existing)?.uid === s.d.metadata.uid && templatesEqual((existing.spec as DeploymentSpec).template, s.spec.template)) return existing;
      await writeStatus(s.d, { ...((s.d.status as object) ?? {}), collisionCount: collisionCount + 1 });
      throw e;
    }
  }

  async function setDeploymentRevision(s: Sync, revision: number) {
    if (revisionOf(s.d) === revision && s.d.metadata.annotations?.[REVISION] !== undefined) return;
    try {
      const r = await registry.replace(kinds.deployment, s.d.metadata.namespace!, s.d.metadata.name!, (cur) => {
        const d = cur!;
        if (d.metadata.uid !== s.d.metadata.uid) throw Object.assign(new Error("replaced"), { code: 409 });
        (d.metadata.annotations ??= {})[REVISION] = String(revision);
        return d;
      });
      s.d = r.object;
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  // ---- scaling ----

  async function scaleRS(s: Sync, rs: KubeObject, size: number): Promise<boolean> {
    const from = replicasOfRS(rs);
    const desired = String(replicasOf(s.spec));
    const max = String(replicasOf(s.spec) + maxSurge(s.spec));
    const a = rs.metadata.annotations ?? {};
    if (from === size && a[DESIRED_REPLICAS] === desired && a[MAX_REPLICAS] === max) return false;
    const updated = await updateRS(rs, (r) => {
      (r.spec as { replicas?: number }).replicas = size;
      const ann = (r.metadata.annotations ??= {});
      ann[DESIRED_REPLICAS] = desired;
      ann[MAX_REPLICAS] = max;
    });
    if (updated) s.sets = s.sets.map((x) => (x.metadata.uid === updated.metadata.uid ? updated : x));
    if (from !== size) recordEvent(s.d, "Normal", "ScalingReplicaSet", `Scaled ${size > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${size}`);
    return from !== size;
  }

  function isScalingEvent(s: Sync): boolean {
    for (const rs of s.sets) {
      if (replicasOfRS(rs) <= 0) continue;
      const desired = desiredReplicasOf(rs);
      if (desired !== undefined && desired !== replicasOf(s.spec)) return true;
    }
    return false;
  }

  /** `sync`: a paused Deployment or a pure scale change resizes the sets, no rollout step. */
  async function syncScaleOnly(s: Sync, paused: boolean): Promise<ReconcileResult> {
    const { newRS, old } = await newAndOld(s, false);
    await scaleProportionally(s, newRS, old);
    if (paused) await cleanup(s, old);
    return syncStatus(s, newRS, false);
  }

  async function scaleProportionally(s: Sync, newRS: KubeObject | undefined, old: KubeObject[]) {
    const want = replicasOf(s.spec);
    const active = s.sets.filter((rs) => replicasOfRS(rs) > 0);
    // One active set (or none): it takes the whole size.
    if (active.length <= 1) {
      const target = active[0] ?? newRS ?? [...old].sort(olderFirst).at(-1);
      if (target) await scaleRS(s, target, want);
      return;
    }
    // Saturated new set: old ones go to zero.
    if (newRS && replicasOfRS(newRS) === want && (rsStatus(newRS).availableReplicas ?? 0) === want) {
      for (const rs of old) if (replicasOfRS(rs) > 0) await scaleRS(s, rs, 0);
      return;
    }
    if (!isRollingUpdate(s.spec)) return;
    const allowed = want > 0 ? want + maxSurge(s.spec) : 0;
    const current = active.reduce((n, rs) => n + replicasOfRS(rs), 0);
    const toAdd = allowed - current;
    const sizes = new Map(active.map((rs) => [rs, replicasOfRS(rs)] as const));
    if (toAdd !== 0) {
      // Larger sets first; among equals newer first when growing, older first when shrinking.
      const ordered = [...active].sort((a, b) => replicasOfRS(b) - replicasOfRS(a) || (toAdd > 0 ? olderFirst(b, a) : olderFirst(a, b)));
      let added = 0;
      for (const rs of ordered) {
        const annotated = maxReplicasOf(rs) ?? current;
        const proportion = annotated > 0 ? Math.round((replicasOfRS(rs) * allowed) / annotated) - replicasOfRS(rs) : 0;
        const room = toAdd - added;
        const step = toAdd > 0 ? Math.min(proportion, room) : Math.max(proportion, room);
        sizes.set(rs, replicasOfRS(rs) + step);
        added += step;
      }
      const first = ordered[0]!;
      sizes.set(first, Math.max(0, sizes.get(first)! + (toAdd - added)));
    }
    for (const [rs, size] of sizes) await scaleRS(s, rs, Math.max(0, size));
  }

  // ---- strategies ----

  async function rolloutRolling(s: Sync): Promise<ReconcileResult> {
    const { newRS, old } = await newAndOld(s, true);
    if (!newRS) return syncStatus(s, newRS, true);
    // Scale the new set up as far as maxSurge lets it.
    const newSize = replicasOfRS(newRS);
    const want = replicasOf(s.spec);
    let changed = false;
    if (newSize > want) changed = await scaleRS(s, newRS, want);
    else if (newSize < want) changed = await scaleRS(s, newRS, newReplicaSetReplicas(s.spec, s.sets.map(replicasOfRS), newSize));
    if (changed) return syncStatus(s, current(s, newRS), true);
    if (await reconcileOldSets(s, current(s, newRS), old)) return syncStatus(s, current(s, newRS), true);
    const status = calculateStatus(s.d, s.sets, current(s, newRS));
    if (isComplete(s.d, status)) await cleanup(s, old);
    return syncStatus(s, current(s, newRS), true);
  }

  /** reconcileOldReplicaSets: scale old sets down without going under replicas − maxUnavailable available. */
  async function reconcileOldSets(s: Sync, newRS: KubeObject, oldInput: KubeObject[]): Promise<boolean> {
    let old = oldInput.map((o) => current(s, o));
    const oldCount = old.reduce((n, rs) => n + replicasOfRS(rs), 0);
    if (oldCount === 0) return false;
    const all = s.sets;
    const allCount = all.reduce((n, rs) => n + replicasOfRS(rs), 0);
    const minAvailable = replicasOf(s.spec) - maxUnavailable(s.spec);
    const newUnavailable = replicasOfRS(newRS) - (rsStatus(newRS).availableReplicas ?? 0);
    const maxScaledDown = allCount - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // First the old pods that are not available anyway.
    let cleaned = 0;
    for (const rs of [...old].sort(olderFirst)) {
      if (cleaned >= maxScaledDown) break;
      const size = replicasOfRS(rs);
      const avail = rsStatus(rs).availableReplicas ?? 0;
      if (size === 0 || size === avail) continue;
      const n = Math.min(maxScaledDown - cleaned, size - avail);
      await scaleRS(s, rs, size - n);
      cleaned += n;
    }
    old = old.map((o) => current(s, o));
    // Then available old pods, as far as availability allows.
    const available = s.sets.reduce((n, rs) => n + (rsStatus(rs).availableReplicas ?? 0), 0);
    let scaled = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...old].sort(olderFirst)) {
        if (scaled >= total) break;
        const size = replicasOfRS(rs);
        if (size === 0) continue;
        const n = Math.min(size, total - scaled);
        await scaleRS(s, rs, size - n);
        scaled += n;
      }
    }
    return cleaned + scaled > 0;
  }

  async function rolloutRecreate(s: Sync): Promise<ReconcileResult> {
    const first = await newAndOld(s, false);
    let scaledDown = false;
    for (const rs of first.old) if (replicasOfRS(current(s, rs)) > 0) scaledDown = (await scaleRS(s, current(s, rs), 0)) || scaledDown;
    if (scaledDown) return syncStatus(s, first.newRS, true);
    // Old pods must be gone (not just asked to go) before new ones start.
    const oldRunning = first.old.some((rs) => pods.byIndex(POD_BY_CONTROLLER, rs.metadata.uid!).some((p) => {
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      return phase !== "Succeeded" && phase !== "Failed";
    }));
    if (oldRunning) return syncStatus(s, first.newRS, true);
    const { newRS, old } = first.newRS ? first : await newAndOld(s, true);
    if (newRS && replicasOfRS(current(s, newRS)) !== replicasOf(s.spec)) await scaleRS(s, current(s, newRS), replicasOf(s.spec));
    const status = calculateStatus(s.d, s.sets, newRS && current(s, newRS));
    if (isComplete(s.d, status)) await cleanup(s, old);
    return syncStatus(s, newRS && current(s, newRS), true);
  }

  /** revisionHistoryLimit: delete the oldest fully scaled-down sets beyond the limit. */
  async function cleanup(s: Sync, old: KubeObject[]) {
    const limit = s.spec.revisionHistoryLimit ?? 10;
    const cleanable = old.map((o) => current(s, o)).filter((rs) => replicasOfRS(rs) === 0 && (rsStatus(rs).replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || olderFirst(a, b));
    for (const rs of cleanable.slice(0, excess)) {
      try {
        await registry.delete(kinds.replicaSet, rs.metadata.namespace!, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        if (!isNotFoundOrConflict(e)) throw e;
      }
      s.sets = s.sets.filter((x) => x.metadata.uid !== rs.metadata.uid);
    }
  }

  // ---- status ----

  function pausedConditions(s: Sync) {
    const c = getCondition(s.conditions, "Progressing");
    if (s.spec.paused && c?.reason !== "DeploymentPaused") s.conditions = setCondition(s.conditions, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused");
    else if (!s.spec.paused && c?.reason === "DeploymentPaused") s.conditions = setCondition(s.conditions, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed");
  }

  /** syncRolloutStatus: status fields, Available, and (when rolling out) Progressing with the deadline. */
  async function syncStatus(s: Sync, newRS: KubeObject | undefined, rollout: boolean): Promise<ReconcileResult> {
    const d = s.d;
    const status = calculateStatus({ ...d, status: { ...((d.status as object) ?? {}), conditions: s.conditions } }, s.sets, newRS);
    let conds = status.conditions;
    const now = Date.now();
    let requeueAfterMs: number | undefined;
    const hasDeadline = s.spec.progressDeadlineSeconds !== undefined && s.spec.progressDeadlineSeconds < 2147483647;
    if (rollout && hasDeadline && !s.spec.paused && newRS) {
      const name = newRS.metadata.name;
      if (isComplete(d, status)) {
        conds = setCondition(conds, "Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${name}" has successfully progressed.`);
      } else if (isProgressing(d, status)) {
        // Progress renews the deadline: lastUpdateTime moves, the transition time stays.
        const cur = getCondition(conds, "Progressing");
        const at = nowTimestamp(now);
        const next: Condition = { type: "Progressing", status: "True", lastUpdateTime: at, lastTransitionTime: cur?.status === "True" ? cur.lastTransitionTime : at, reason: "ReplicaSetUpdated", message: `ReplicaSet "${name}" is progressing.` };
        conds = [...conds.filter((c) => c.type !== "Progressing"), next];
      } else if ((deadlineIn(d, conds, now) ?? 1) <= 0) {
        conds = setCondition(conds, "Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "${name}" has timed out progressing.`);
      }
      const left = deadlineIn(d, conds, now);
      if (left !== undefined) requeueAfterMs = Math.max(left, 0) + 1000;
    }
    status.conditions = conds;
    await writeStatus(d, status);
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  function writeStatus(d: KubeObject, status: object) {
    return writeStatusIfChanged(registry, kinds.deployment, deployments.get(d.metadata.namespace!, d.metadata.name!), d, status);
  }


  // ---- helpers ----

  /** The newest cached copy of a set this reconcile already holds. */
  function current(s: Sync, rs: KubeObject): KubeObject {
    return s.sets.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
  }

  async function updateRS(rs: KubeObject, change: (r: KubeObject) => void): Promise<KubeObject | undefined> {
    try {
      const r = await registry.replace(kinds.replicaSet, rs.metadata.namespace!, rs.metadata.name!, (cur) => {
        const next = cur!;
        if (next.metadata.uid !== rs.metadata.uid) throw Object.assign(new Error("replaced"), { code: 409 });
        change(next);
        return next;
      });
      return r.object;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  deployments.onChange((d, prev) => controller.enqueue(objectKey(d ?? prev!)));
  sets.onChange((rs, prev) => {
    for (const r of [rs, prev]) {
      if (!r) continue;
      const ref = controllerRefOf(r);
      if (ref?.kind === "Deployment") controller.enqueue(`${r.metadata.namespace}/${ref.name}`);
      else if (!ref && r === rs) {
        for (const d of deployments.list(r.metadata.namespace)) {
          if (labelSelectorMatcher((d.spec as DeploymentSpec).selector)(r.metadata.labels ?? {})) controller.enqueue(objectKey(d));
        }
      }
    }
  });
  // Recreate waits for old pods to be gone: their deletion wakes the Deployment through its set.
  pods.onChange((pod, prev) => {
    if (pod || !prev) return;
    const ref = controllerRefOf(prev);
    if (ref?.kind !== "ReplicaSet") return;
    const rs = sets.get(prev.metadata.namespace!, ref.name);
    const dref = rs && controllerRefOf(rs);
    if (dref?.kind === "Deployment") controller.enqueue(`${prev.metadata.namespace}/${dref.name}`);
  });
  return controller;
}
