// `kubectl get jobs` and `kubectl get cronjobs` (printJob, printCronJob).
import type { CronJob, Job } from "kubernetes-types/batch/v1";
import type { TableColumn } from "../kinds/kind.ts";
import { ageColumn, col, containerCells, nameColumn, wide } from "./columns.ts";
import { humanDuration, since } from "./human-duration.ts";
import { labelSelectorToString } from "../selectors/label-selector.ts";

const hasCondition = (j: Job, type: string) => (j.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

function jobStatus(j: Job): string {
  if (hasCondition(j, "Complete")) return "Complete";
  if (hasCondition(j, "Failed")) return "Failed";
  if (j.metadata?.deletionTimestamp) return "Terminating";
  if (hasCondition(j, "Suspended")) return "Suspended";
  if (hasCondition(j, "FailureTarget")) return "FailureTarget";
  if (hasCondition(j, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  return "Running";
}

function completions(j: Job): string {
  const succeeded = j.status?.succeeded ?? 0;
  if (j.spec?.completions != null) return `${succeeded}/${j.spec.completions}`;
  const parallelism = j.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(j: Job, now: number): string {
  const start = j.status?.startTime ? Date.parse(j.status.startTime) : NaN;
  if (Number.isNaN(start)) return "";
  const end = j.status?.completionTime ? Date.parse(j.status.completionTime) : now;
  return humanDuration(end - start);
}

function selectorCell(sel: unknown): string {
  if (!sel) return "<none>";
  try {
    return labelSelectorToString(sel as never) || "<none>";
  } catch {
    return "<invalid>";
  }
}

export const jobColumns: TableColumn[] = [
  nameColumn(),
  col("Status", "string", "Status of the job.", jobStatus),
  col("Completions", "string", "The completion status of the job.", completions),
  col("Duration", "string", "Time required to complete the job.", duration),
  ageColumn(),
  wide("Containers", "string", "Names of each container in the template.", (j: Job) => containerCells(j.spec?.template?.spec?.containers)[0]),
  wide("Images", "string", "Images referenced by each container in the template.", (j: Job) => containerCells(j.spec?.template?.spec?.containers)[1]),
  wide("Selector", "string", "A label query over pods that should match the pod count.", (j: Job) => selectorCell(j.spec?.selector)),
];

export const cronJobColumns: TableColumn[] = [
  nameColumn(),
  col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.", (c: CronJob) => c.spec?.schedule ?? ""),
  col("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.", (c: CronJob) => c.spec?.timeZone ?? "<none>"),
  col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions.", (c: CronJob) => (c.spec?.suspend ? "True" : "False")), // a string cell, as upstream's printBoolPtr
  col("Active", "integer", "A list of pointers to currently running jobs.", (c: CronJob) => c.status?.active?.length ?? 0),
  col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled.", (c: CronJob, now: number) => (c.status?.lastScheduleTime ? since(c.status.lastScheduleTime, now) : "<none>")),
  ageColumn(),
  wide("Containers", "string", "Names of each container in the template.", (c: CronJob) => containerCells(c.spec?.jobTemplate?.spec?.template?.spec?.containers)[0]),
  wide("Images", "string", "Images referenced by each container in the template.", (c: CronJob) => containerCells(c.spec?.jobTemplate?.spec?.template?.spec?.containers)[1]),
  wide("Selector", "string", "A label query over pods that should match the pod count.", (c: CronJob) => selectorCell(c.spec?.jobTemplate?.spec?.selector)),
];
