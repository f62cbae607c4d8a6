// /readyz checks for the control loops: a loop is unhealthy when it has work queued but
// makes no progress for a while (stuck, crashed worker, or never started).
import type { HealthCheck } from "../../api/http/health.ts";

export type ControllerLike = { opts: { name: string }; queue: { depth: number } };
export type SchedulerLike = { pending: number; scheduled: number };

const STALL_MS = 60_000;

/**
 * "controllers": fails when a controller has queued keys and has finished no reconcile
 * for stallMs (lastReconciled is fed by the controllers' onReconciled hook).
 */
export function controllersHealthCheck(controllers: () => Iterable<ControllerLike>, lastReconciled: Map<string, number>, now: () => number = Date.now, stallMs = STALL_MS): HealthCheck {
  const since = now();
  const idleSince = new Map<string, number>();
  return {
    name: "controllers",
    check() {
      const t = now();
      const stuck: string[] = [];
      for (const c of controllers()) {
        const name = c.opts.name;
        if (c.queue.depth === 0) {
          idleSince.set(name, t);
          continue;
        }
        const progress = Math.max(lastReconciled.get(name) ?? since, idleSince.get(name) ?? since);
        if (t - progress > stallMs) stuck.push(`${name} (${c.queue.depth} queued, no reconcile for ${Math.round((t - progress) / 1000)}s)`);
      }
      if (stuck.length) throw new Error(`controllers not making progress: ${stuck.join(", ")}`);
    },
  };
}

/** "scheduler": fails when pods wait to be placed and none was bound for stallMs, or the scheduler is not running. */
export function schedulerHealthCheck(scheduler: () => SchedulerLike | undefined, now: () => number = Date.now, stallMs = STALL_MS): HealthCheck {
  let lastScheduled = -1;
  let progressAt = now();
  return {
    name: "scheduler",
    check() {
      const s = scheduler();
      if (!s) throw new Error("scheduler is not running");
      const t = now();
      if (s.pending === 0 || s.scheduled !== lastScheduled) progressAt = t;
      lastScheduled = s.scheduled;
      if (t - progressAt > stallMs) throw new Error(`${s.pending} pods pending and none scheduled for ${Math.round((t - progressAt) / 1000)}s`);
    },
  };
}
