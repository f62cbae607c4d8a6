// The CronJob controller: at each time of spec.schedule (in spec.timeZone) a Job from
// spec.jobTemplate, named <cronjob>-<minutes since the epoch>; concurrencyPolicy
// Allow/Forbid/Replace, startingDeadlineSeconds, suspend, and the successful/failed
// history limits. After downtime only the latest missed time runs, as upstream.
import type { KindDef, KubeObject } from "../../api/kinds/kind.ts";
import type { Registry } from "../../api/registry/registry.ts";
import { Controller } from "../runtime/controller.ts";
import type { InformerFactory } from "../runtime/informer.ts";
import type { RecordEvent } from "../events.ts";
import { controllerRefOf, newControllerRef } from "../shared/owner-refs.ts";
import { isNotFoundOrConflict, objectKey, splitKey } from "../shared/object-key.ts";
import { writeStatusIfChanged } from "../shared/write-status.ts";
import { parseSchedule } from "../../api/cron-schedule.ts";
import { hasCondition, isJobFinished } from "../job/job-status.ts";
import { dueTime, TOO_MANY_MISSED } from "./schedule-times.ts";
import { apiVersionOf } from "../../api/kinds/kind.ts";

const JOB_BY_CRONJOB = "cronjob-uid";
export const SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

type CronJobSpec = {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: string;
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate?: { metadata?: KubeObject["metadata"]; spec?: Record<string, unknown> };
};
type ActiveRef = { apiVersion?: string; kind?: string; name: string; namespace: string; uid: string };
type CronJobStatus = { active?: ActiveRef[]; lastScheduleTime?: string; lastSuccessfulTime?: string };

/** RFC 3339 without fractions, as upstream's metav1.Time. */
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function cronJobController(registry: Registry, informers: InformerFactory, kinds: { job: KindDef; cronJob: KindDef }, recordEvent: RecordEvent): Controller {
  const jobs = informers.for(kinds.job);
  jobs.addIndex(JOB_BY_CRONJOB, (j) => {
    const ref = controllerRefOf(j);
    return ref?.kind === "CronJob" ? [ref.uid] : [];
  });
  const cronJobs = informers.for(kinds.cronJob);

  const controller = new Controller({
    name: "cronjob",
    workers: 2,
    resyncMs: 30_000,
    allKeys: () => cronJobs.list().map(objectKey),
    reconcile: async (key) => {
      const { namespace, name } = splitKey(key);
      const cj = cronJobs.get(namespace, name);
      if (!cj || cj.metadata.deletionTimestamp) return;
      return reconcileCronJob(cj);
    },
  });

  async function reconcileCronJob(cj: KubeObject) {
    const spec = cj.spec as CronJobSpec;
    const prior = (cj.status ?? {}) as CronJobStatus;
    const owned = jobs.byIndex(JOB_BY_CRONJOB, cj.metadata.uid!);
    const now = new Date();

    // Active: the unfinished Jobs it owns (also one created just before a crash, or by kubectl create job --from).
    let lastSuccessfulTime = prior.lastSuccessfulTime;
    const active: ActiveRef[] = [];
    for (const j of owned) {
      if (!isJobFinished(j)) {
        if (!j.metadata.deletionTimestamp) active.push(refTo(j));
        continue;
      }
      if ((prior.active ?? []).some((a) => a.uid === j.metadata.uid)) {
        recordEvent(cj, "Normal", "SawCompletedJob", `Saw completed job: ${j.metadata.name}, condition: ${hasCondition(j, "Complete") ? "Complete" : "Failed"}`);
      }
      const done = (j.status as { completionTime?: string } | undefined)?.completionTime;
      if (hasCondition(j, "Complete") && done && (!lastSuccessfulTime || done > lastSuccessfulTime)) lastSuccessfulTime = done;
    }
    await pruneHistory(cj, spec, owned);

    let lastScheduleTime = prior.lastScheduleTime;
    let requeueAfterMs: number | undefined;
    const parsed = parseSchedule(spec.schedule, spec.timeZone);
    if (!parsed.schedule) {
      recordEvent(cj, "Warning", "UnparseableSchedule", `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${parsed.error}`);
    } else if (!spec.suspend) {
      const earliest = new Date(Date.parse(lastScheduleTime ?? cj.metadata.creationTimestamp!));
      const due = dueTime(parsed.schedule, earliest, now, spec.startingDeadlineSeconds);
      if (due.missed > TOO_MANY_MISSED) recordEvent(cj, "Warning", "TooManyMissedTimes", `too many missed start times: ${due.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
      if (due.tooLate) recordEvent(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${rfc3339(earliest)}`);
      if (due.time) {
        const start = await startJob(cj, spec, due.time, active);
        if (start) {
          lastScheduleTime = rfc3339(due.time);
          if (start !== "exists") active.push(start);
        }
      }
      // A little past the next time, so the clock has passed it when the queue fires.
      if (due.next) requeueAfterMs = Math.max(0, due.next.getTime() - Date.now()) + 100;
    }

    const status: CronJobStatus = {
      ...(active.length ? { active } : {}),
      ...(lastScheduleTime ? { lastScheduleTime } : {}),
      ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    };
    await writeStatusIfChanged(registry, kinds.cronJob, cronJobs.get(cj.metadata.namespace!, cj.metadata.name!), cj, status);
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  /** Start the Job of `time` unless the concurrency policy says no; "exists" when it was started before. */
  async function startJob(cj: KubeObject, spec: CronJobSpec, time: Date, active: ActiveRef[]): Promise<ActiveRef | "exists" | undefined> {
    const name = `${cj.metadata.name}-${Math.floor(time.getTime() / 60_000)}`;
    const ns = cj.metadata.namespace!;
    if (jobs.get(ns, name)) return "exists";
    if (active.length && spec.concurrencyPolicy === "Forbid") {
      recordEvent(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return undefined;
    }
    if (active.length && spec.concurrencyPolicy === "Replace") {
      for (const a of active.splice(0)) await deleteJob(cj, a.name, a.uid);
    }
    const t = spec.jobTemplate ?? {};
    const body = {
      metadata: {
        name,
        namespace: ns,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: rfc3339(time) },
        ownerReferences: [newControllerRef(kinds.cronJob, cj)],
      },
      spec: structuredClone(t.spec ?? {}),
    };
    try {
      const job = await registry.create(kinds.job, ns, body);
      recordEvent(cj, "Normal", "SuccessfulCreate", `Created job ${name}`);
      return refTo(job);
    } catch (e) {
      if ((e as { code?: number }).code === 409) return "exists";
      recordEvent(cj, "Warning", "FailedCreate", `Error creating job: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit go, oldest first. */
  async function pruneHistory(cj: KubeObject, spec: CronJobSpec, owned: KubeObject[]) {
    const started = (j: KubeObject) => (j.status as { startTime?: string } | undefined)?.startTime ?? j.metadata.creationTimestamp ?? "";
    for (const [condition, limit] of [["Complete", spec.successfulJobsHistoryLimit], ["Failed", spec.failedJobsHistoryLimit]] as const) {
      if (limit == null) continue;
      const finished = owned.filter((j) => hasCondition(j, condition) && !j.metadata.deletionTimestamp).sort((a, b) => started(a).localeCompare(started(b)));
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) await deleteJob(cj, j.metadata.name!, j.metadata.uid!);
    }
  }

  async function deleteJob(cj: KubeObject, name: string, uid: string) {
    try {
      await registry.delete(kinds.job, cj.metadata.namespace!, name, { propagationPolicy: "Background", preconditions: { uid } });
      recordEvent(cj, "Normal", "SuccessfulDelete", `Deleted job ${name}`);
    } catch (e) {
      if (!isNotFoundOrConflict(e)) throw e;
    }
  }

  const refTo = (j: KubeObject): ActiveRef => ({ kind: "Job", namespace: j.metadata.namespace!, name: j.metadata.name!, uid: j.metadata.uid!, apiVersion: apiVersionOf(kinds.job) });

  cronJobs.onChange((cj, prev) => controller.enqueue(objectKey(cj ?? prev!)));
  jobs.onChange((job, prev) => {
    const j = job ?? prev!;
    const ref = controllerRefOf(j);
    if (ref?.kind === "CronJob") controller.enqueue(`${j.metadata.namespace}/${ref.name}`);
  });
  return controller;
}
