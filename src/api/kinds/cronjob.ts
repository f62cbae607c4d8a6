// batch/v1 CronJob: a Job from spec.jobTemplate at every time of spec.schedule.
import type { KindDef } from "./kind.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { cronJobColumns } from "../tables/batch-columns.ts";
import { validateCronJob } from "../validation/batch.ts";
import { cronJobSpec, cronJobStatus, object } from "../patch/upstream-types.ts";

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** batch/v1 SetDefaults_CronJob, and the pod template's defaults. */
export function defaultCronJob(cj: any) {
  const spec = cj.spec;
  if (!isObject(spec)) return;
  spec.concurrencyPolicy ||= "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const template = spec.jobTemplate?.spec?.template;
  if (isObject(template)) defaultPodSpec(template.spec);
}

export const cronJobKind: KindDef = {
  group: "batch",
  version: "v1",
  kind: "CronJob",
  plural: "cronjobs",
  singular: "cronjob",
  namespaced: true,
  shortNames: ["cj"],
  categories: ["all"],
  subresources: { status: true },
  hasGeneration: true,
  defaults: defaultCronJob,
  validate: validateCronJob,
  columns: cronJobColumns,
  example: { spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "localhost/example:1" }] } } } } } },
  schema: {
    validation: "batch/v1.CronJob",
    protobuf: "k8s.io.api.batch.v1.CronJob",
    patch: object({ spec: cronJobSpec, status: cronJobStatus }),
  },
};
