// CronJob schedules as upstream reads them (robfig/cron ParseStandard): five fields or an
// @-macro, evaluated in spec.timeZone (the server's local zone when absent). Matching is
// croner's: day-of-month and day-of-week OR-ed when both are restricted, as Vixie cron.
import { Cron } from "croner";

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export type Schedule = {
  /** The first scheduled time strictly after `after`. */
  next(after: Date): Date | undefined;
};

export type ParsedSchedule = { schedule: Schedule; error?: undefined } | { schedule?: undefined; error: string };

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function parseSchedule(text: string, timeZone?: string): ParsedSchedule {
  if (timeZone !== undefined && (timeZone === "" || !validTimeZone(timeZone))) return { error: `unknown time zone ${timeZone}` };
  const trimmed = text.trim();
  const pattern = trimmed.startsWith("@") ? MACROS[trimmed.toLowerCase()] : trimmed;
  if (!pattern) return { error: `unrecognized descriptor: ${trimmed}` };
  const fields = pattern.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return { error: `expected exactly 5 fields, found ${fields.length}: ${JSON.stringify(trimmed)}` };
  let cron: Cron;
  try {
    cron = new Cron(fields.join(" "), { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
  } catch (e) {
    return { error: String((e as Error).message).replace(/^CronPattern: /, "") };
  }
  return { schedule: { next: (after) => cron.nextRun(after) ?? undefined } };
}
