// batch/v1 Job: pods run to completion; the Job controller keeps parallelism of them active
// until completions succeed, the backoff limit or the deadline fails it.
import type { KindDef } from "./kind.ts";
import { defaultPodSpec } from "./pod-defaults.ts";
import { jobColumns } from "../tables/batch-columns.ts";
import { validateJob } from "../validation/batch.ts";
import { jobSpec, jobStatus, object } from "../patch/upstream-types.ts";

const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

export const JOB_CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
export const JOB_NAME = "batch.kubernetes.io/job-name";

/**
 * The Job strategy's generated selector (unless spec.manualSelector): the template carries
 * the Job's uid and name, the selector matches the uid. Needs the uid: a create only.
 */
function generateSelector(job: any) {
  const spec = job.spec;
  const uid = job.metadata?.uid;
  if (!uid || spec.manualSelector === true || !isObject(spec.template)) return;
  spec.template.metadata = isObject(spec.template.metadata) ? spec.template.metadata : {};
  const labels = isObject(spec.template.metadata.labels) ? spec.template.metadata.labels : {};
  spec.template.metadata.labels = { ...labels, [JOB_CONTROLLER_UID]: uid, [JOB_NAME]: job.metadata.name, "controller-uid": uid, "job-name": job.metadata.name };
  spec.selector ??= { matchLabels: { [JOB_CONTROLLER_UID]: uid } };
}

/** batch/v1 SetDefaults_Job. */
export function defaultJob(job: any) {
  const spec = job.spec;
  if (!isObject(spec)) return;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  generateSelector(job);
  if (isObject(spec.template)) {
    defaultPodSpec(spec.template.spec);
    const labels = spec.template.metadata?.labels;
    if (isObject(job.metadata) && isObject(labels) && !Object.keys(job.metadata.labels ?? {}).length) job.metadata.labels = { ...labels };
  }
}

export const jobKind: KindDef = {
  group: "batch",
  version: "v1",
  kind: "Job",
  plural: "jobs",
  singular: "job",
  namespaced: true,
  categories: ["all"],
  subresources: { status: true },
  hasGeneration: true,
  defaults: defaultJob,
  validate: validateJob,
  columns: jobColumns,
  fieldSelectors: { "status.successful": (o: any) => String(o.status?.succeeded ?? 0) },
  example: { spec: { suspend: true, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "localhost/example:1" }] } } } },
  schema: {
    validation: "batch/v1.Job",
    protobuf: "k8s.io.api.batch.v1.Job",
    patch: object({ spec: jobSpec, status: jobStatus }),
  },
};
