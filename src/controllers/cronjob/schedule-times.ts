// Which scheduled time a CronJob should run now, as upstream's mostRecentScheduleTime: only
// the latest missed time runs (at most one catch-up after downtime); more than 100 missed
// times is reported; a time older than startingDeadlineSeconds is not started at all.
import type { Schedule } from "../../api/cron-schedule.ts";

export const TOO_MANY_MISSED = 100;

export type Due = {
  /** The scheduled time to start now, if any. */
  time?: Date;
  /** Scheduled times passed since the last run (including `time`). */
  missed: number;
  /** The next scheduled time after now. */
  next?: Date;
  /** The latest missed time fell outside startingDeadlineSeconds. */
  tooLate?: boolean;
};

export function dueTime(schedule: Schedule, earliest: Date, now: Date, startingDeadlineSeconds?: number): Due {
  let from = earliest;
  if (startingDeadlineSeconds != null) {
    const windowStart = new Date(now.getTime() - startingDeadlineSeconds * 1000);
    if (windowStart > from) from = windowStart;
  }
  let latest: Date | undefined;
  let missed = 0;
  for (let t = schedule.next(from); t && t <= now; t = schedule.next(t)) {
    latest = t;
    missed++;
    // Past the report threshold only the latest time matters: jump close to now.
    if (missed > TOO_MANY_MISSED) {
      const last = lastBefore(schedule, t, now);
      latest = last ?? latest;
      break;
    }
  }
  const next = schedule.next(now);
  if (!latest && startingDeadlineSeconds != null) {
    // Was a time missed before the window? Then it is reported as too late, not run.
    const before = schedule.next(earliest);
    if (before && before <= now && before < from) return { missed: 0, next, tooLate: true };
  }
  return { time: latest, missed, next };
}

/** The last scheduled time ≤ now, searching back from now in growing steps (cheaper than walking every minute of a long outage). */
function lastBefore(schedule: Schedule, after: Date, now: Date): Date | undefined {
  for (let step = 60_000; ; step *= 2) {
    const from = new Date(Math.max(after.getTime(), now.getTime() - step));
    let last: Date | undefined;
    for (let t = schedule.next(from); t && t <= now; t = schedule.next(t)) last = t;
    if (last || from.getTime() === after.getTime()) return last;
  }
}
