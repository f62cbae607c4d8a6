// The Job controller: keeps up to `parallelism` pods running until `completions` of them
// succeed (each index once in Indexed mode), with an exponential back-off between
// failures; fails the Job past backoffLimit, activeDeadlineSeconds or a FailJob rule of its
// pod failure policy; suspends and resumes; deletes a finished Job after its TTL.
// Counts come from the Job's pods, as upstream's controller did before tracking finalizers.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { nowTimestamp } from "../../api/registry/metadata.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { controllerRefOf, newControllerRef } from "../shared/owner-refs.ts";
import { isPodReady } from "../shared/pod-state.ts";
import { isNotFoundOrConflict, objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { indexPods, POD_BY_CONTROLLER, BURST_REPLICAS } from "../replicaset/replicaset-controller.ts";
import { COMPLETION_INDEX, completionIndexOf, conditionsOf, countPods, finishedAt, indexIntervals, isJobFinished, parseIndexIntervals, restartsOf, withCondition, type JobCondition } from "./job-status.ts";
import { matchPodFailurePolicy, type PodFailurePolicy } from "./pod-failure-policy.ts";

/** Upstream's back-off: 10 s after the first failure, doubling, at most 6 minutes. */
export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 360_000;

type Template = { metadata?: KubeObject["metadata"]; spec?: { restartPolicy?: string; hostname?: string; containers?: { env?: unknown[] }[]; initContainers?: { env?: unknown[] }[] } };
type JobSpec = {
  parallelism?: number;
  completions?: number | null;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  completionMode?: string;
  suspend?: boolean;
  podFailurePolicy?: PodFailurePolicy;
  template?: Template;
};
type JobStatus = { startTime?: string; completionTime?: string; conditions?: JobCondition[]; succeeded?: number; failed?: number; completedIndexes?: string; [k: string]: unknown };

export type JobControllerOptions = { backoffBaseMs?: number; backoffMaxMs?: number };

export function jobController(registry: Registry, informers: InformerFactory, kinds: { pod: KindDef; job: KindDef }, recordEvent: RecordEvent, opts: JobControllerOptions = {}): Controller {
  const pods = indexPods(informers, kinds.pod);
  const jobs = informers.for(kinds.job);
  const backoffBase = opts.backoffBaseMs ?? BACKOFF_BASE_MS;
  const backoffMax = opts.backoffMaxMs ?? BACKOFF_MAX_MS;

  const controller = new Controller({
    name: "job",
    workers: 4,
    resyncMs: 30_000,
    allKeys: () => jobs.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const job = jobs.get(namespace, name);
      if (!job || job.metadata.deletionTimestamp) return;
      return reconcileJob(job);
    },
  });

  async function reconcileJob(job: KubeObject) {
    const spec = job.spec as JobSpec;
    const prior = (job.status ?? {}) as JobStatus;
    const now = Date.now();
    const nowTs = nowTimestamp();
    const counts = countPods(pods.byIndex(POD_BY_CONTROLLER, job.metadata.uid!));
    const indexed = spec.completionMode === "Indexed";
    const completions = spec.completions ?? undefined;
    let conditions = conditionsOf(job);
    let startTime = prior.startTime;
    let completionTime = prior.completionTime;
    let requeueAfterMs: number | undefined;

    // Indexes (Indexed) or pods (NonIndexed) that succeeded. What the status already counted
    // stays counted when its pod is gone (deleted by hand, or with a lost node): an Indexed
    // Job never runs a completed index again; a NonIndexed count never goes down (without
    // upstream's tracking finalizers it cannot tell a deleted success from a new one, so such
    // a completion may run once more).
    const succeededIndexes = new Set([...(indexed ? parseIndexIntervals(prior.completedIndexes, completions ?? 0) : []), ...counts.succeeded.map(completionIndexOf)].filter((i): i is number => i !== undefined && (completions === undefined || i < completions)));
    const succeeded = indexed ? succeededIndexes.size : Math.max(prior.succeeded ?? 0, counts.succeeded.length);
    // Failed pods a podFailurePolicy Ignore rule matches are not counted, as upstream.
    const countedFailures = counts.failed.filter((p) => matchPodFailurePolicy(spec.podFailurePolicy, p)?.action !== "Ignore");
    const failed = Math.max(prior.failed ?? 0, countedFailures.length);

    if (isJobFinished(job)) {
      await deletePods(job, counts.active);
      const ttl = spec.ttlSecondsAfterFinished;
      if (ttl != null) {
        const finished = Date.parse(completionTime ?? conditions.find((c) => c.type === "Failed")?.lastTransitionTime ?? nowTs);
        const due = finished + ttl * 1000;
        if (now >= due) return deleteJob(job);
        requeueAfterMs = due - now;
      }
    } else if (spec.suspend) {
      await deletePods(job, counts.active);
      conditions = withCondition(conditions, "Suspended", "True", "JobSuspended", "Job suspended", nowTs);
      startTime = undefined;
      if (conditionsOf(job) !== conditions) recordEvent(job, "Normal", "Suspended", "Job suspended");
    } else {
      if (conditions.some((c) => c.type === "Suspended" && c.status === "True")) {
        conditions = withCondition(conditions, "Suspended", "False", "JobResumed", "Job resumed", nowTs);
        recordEvent(job, "Normal", "Resumed", "Job resumed");
      }
      startTime ??= nowTs;

      // Failures, through the pod failure policy; an OnFailure Job also fails once its active
      // pods' restarts reach backoffLimit (upstream's pastBackoffLimitOnFailure).
      let failure: { reason: string; message: string } | undefined;
      for (const pod of countedFailures) {
        const match = matchPodFailurePolicy(spec.podFailurePolicy, pod);
        if (match?.action === "FailJob") failure ??= { reason: "PodFailurePolicy", message: match.message };
      }
      const backoffLimit = spec.backoffLimit ?? 6;
      const restarts = spec.template?.spec?.restartPolicy === "OnFailure" ? counts.active.reduce((n, p) => n + restartsOf(p), 0) : 0;
      const pastLimitOnFailure = backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
      if (!failure && (failed > backoffLimit || pastLimitOnFailure)) failure = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };
      const deadline = spec.activeDeadlineSeconds != null ? Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
      if (!failure && deadline !== undefined && now >= deadline) failure = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };

      const complete = indexed ? succeeded >= (completions ?? 0) : completions != null ? succeeded >= completions : succeeded > 0 && counts.active.length === 0;
      if (failure) {
        await deletePods(job, counts.active);
        conditions = withCondition(conditions, "FailureTarget", "True", failure.reason, failure.message, nowTs);
        conditions = withCondition(conditions, "Failed", "True", failure.reason, failure.message, nowTs);
        recordEvent(job, "Warning", failure.reason, failure.message);
        counts.active = [];
      } else if (complete) {
        await deletePods(job, counts.active);
        conditions = withCondition(conditions, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", nowTs);
        conditions = withCondition(conditions, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", nowTs);
        completionTime = nowTs;
        recordEvent(job, "Normal", "Completed", "Job completed");
        counts.active = [];
      } else {
        requeueAfterMs = await manageActive(job, spec, counts.active, succeeded, succeededIndexes, failed, countedFailures, now);
        if (deadline !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(0, deadline - now));
      }
    }

    const status: JobStatus = {
      ...(conditions.length ? { conditions } : {}),
      ...(startTime ? { startTime } : {}),
      ...(completionTime ? { completionTime } : {}),
      ...(counts.active.length ? { active: counts.active.length } : {}),
      ...(succeeded ? { succeeded } : {}),
      ...(failed ? { failed } : {}),
      ...(indexed && succeededIndexes.size ? { completedIndexes: indexIntervals(succeededIndexes) } : {}),
      terminating: counts.terminating,
      ready: counts.active.filter(isPodReady).length,
      uncountedTerminatedPods: {},
    };
    await writeStatusIfChanged(registry, kinds.job, jobs.get(job.metadata.namespace!, job.metadata.name!), job, status);
    return requeueAfterMs !== undefined && Number.isFinite(requeueAfterMs) ? { requeueAfterMs } : undefined;
  }

  /** Create or delete pods toward the wanted number of active ones; returns when to look again (a back-off). */
  async function manageActive(job: KubeObject, spec: JobSpec, active: KubeObject[], succeeded: number, succeededIndexes: Set<number>, failures: number, failed: KubeObject[], now: number): Promise<number | undefined> {
    const parallelism = spec.parallelism ?? 1;
    const completions = spec.completions ?? undefined;
    const want = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : Math.max(0, Math.min(parallelism, completions - succeeded));
    if (active.length > want) {
      const newest = [...active].sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""));
      await deletePods(job, newest.slice(0, active.length - want));
      return undefined;
    }
    if (active.length === want) return undefined;
    if (failures > 0) {
      const last = Math.max(...failed.map(finishedAt));
      const ready = last + Math.min(backoffBase * 2 ** (failures - 1), backoffMax);
      if (now < ready) return ready - now;
    }
    const count = Math.min(want - active.length, BURST_REPLICAS);
    let indexes: (number | undefined)[] = Array.from({ length: count }, () => undefined);
    if (spec.completionMode === "Indexed") {
      const busy = new Set([...active.map(completionIndexOf), ...succeededIndexes]);
      indexes = [];
      for (let i = 0; i < (completions ?? 0) && indexes.length < count; i++) if (!busy.has(i)) indexes.push(i);
    }
    // Counted active at once, as upstream: the status written next already says so.
    active.push(...(await createPods(job, spec, indexes)));
    return undefined;
  }

  function podBody(job: KubeObject, spec: JobSpec, index: number | undefined) {
    const t = spec.template ?? {};
    const podSpec = structuredClone(t.spec ?? {});
    const labels = { ...(t.metadata?.labels ?? {}) };
    const annotations = { ...(t.metadata?.annotations ?? {}) };
    if (index !== undefined) {
      labels[COMPLETION_INDEX] = String(index);
      annotations[COMPLETION_INDEX] = String(index);
      podSpec.hostname ??= `${job.metadata.name}-${index}`;
      for (const c of [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])]) c.env = [...(c.env ?? []), { name: "JOB_COMPLETION_INDEX", value: String(index) }];
    }
    return {
      metadata: {
        generateName: index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-`,
        namespace: job.metadata.namespace,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [newControllerRef(kinds.job, job)],
      },
      spec: podSpec,
    };
  }

  async function createPods(job: KubeObject, spec: JobSpec, indexes: (number | undefined)[]): Promise<KubeObject[]> {
    // Slow start as upstream: batches of 1, 2, 4… so a pod that cannot be created fails once, not N times.
    const created: KubeObject[] = [];
    let batch = 1;
    for (let i = 0; i < indexes.length; ) {
      const part = indexes.slice(i, i + batch);
      const results = await Promise.allSettled(part.map((index) => registry.create(kinds.pod, job.metadata.namespace!, podBody(job, spec, index))));
      for (const r of results) {
        if (r.status !== "fulfilled") continue;
        created.push(r.value);
        recordEvent(job, "Normal", "SuccessfulCreate", `Created pod: ${r.value.metadata.name}`);
      }
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
      if (failed) {
        recordEvent(job, "Warning", "FailedCreate", `Error creating: ${(failed.reason as Error).message}`);
        throw failed.reason;
      }
      i += part.length;
      batch = Math.min(batch * 2, 500);
    }
    return created;
  }

  async function deletePods(job: KubeObject, victims: KubeObject[]) {
    await Promise.all(
      victims.map(async (p) => {
        try {
          await registry.delete(kinds.pod, p.metadata.namespace!, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
          recordEvent(job, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          if (!isNotFoundOrConflict(e)) throw e;
        }
      }),
    );
  }

  /** ttlSecondsAfterFinished: the Job goes, its pods with it (the TTL controller deletes in the foreground). */
  async function deleteJob(job: KubeObject) {
    try {
      await registry.delete(kinds.job, job.metadata.namespace!, job.metadata.name!, { propagationPolicy: "Foreground", preconditions: { uid: job.metadata.uid } });
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  jobs.onChange((job, prev) => controller.enqueue(objectKey(job ?? prev!)));
  pods.onChange((pod, prev) => {
    const p = pod ?? prev!;
    const ref = controllerRefOf(p);
    if (ref?.kind === "Job") controller.enqueue(`${p.metadata.namespace}/${ref.name}`);
  });
  return controller;
}
