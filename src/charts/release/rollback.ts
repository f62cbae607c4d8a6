// `rollback [rev]`: a new revision (current+1) carrying the target's chart, values and
// manifest, pending-rollback → deployed "Rollback to N"; the others are superseded.
import { DEFAULT_TIMEOUT_MS, nowIso, type ActionContext, type CommonOptions } from "./action-context.ts";
import { applyObjects, deleteObjects, maybeWait, staleObjects } from "./apply-release.ts";
import { createWithHistoryMax, DEFAULT_HISTORY_MAX } from "./history-max.ts";
import { runHooks } from "./hooks.ts";
import { buildObjects } from "./release-objects.ts";
import { ReleaseActionError, ReleaseNotFoundError } from "./release-errors.ts";
import { PENDING_STATUSES, type Release } from "./release-types.ts";

export interface RollbackOptions extends CommonOptions {
  name: string;
  namespace: string;
  /** 0 or undefined: the revision before the current one. */
  version?: number;
  historyMax?: number;
}

export async function rollback(ctx: ActionContext, o: RollbackOptions): Promise<Release> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const history = await ctx.store.history(o.namespace, o.name);
  const current = history[history.length - 1];
  if (!current) throw new ReleaseNotFoundError();
  if (PENDING_STATUSES.has(current.info.status ?? "unknown")) throw new ReleaseActionError("another operation (install/upgrade/rollback) is in progress");
  const targetVersion = o.version || current.version - 1;
  const target = history.find((r) => r.version === targetVersion);
  if (!target) throw new ReleaseActionError(`release has no ${targetVersion} version`);

  const objs = await buildObjects(ctx.cluster, target.manifest ?? "", o);
  const ts = nowIso(ctx);
  const rel: Release = {
    name: o.name,
    info: {
      first_deployed: current.info.first_deployed,
      last_deployed: ts,
      status: "pending-rollback",
      description: o.description || `Rollback to ${targetVersion}`,
      notes: target.info.notes,
      rollback_revision: targetVersion,
    },
    chart: target.chart,
    config: target.config,
    manifest: target.manifest,
    hooks: (target.hooks ?? []).map((h) => ({ ...h, last_run: { phase: "" } })),
    version: current.version + 1,
    namespace: o.namespace,
    apply_method: "ssa",
  };
  await createWithHistoryMax(ctx.store, rel, o.historyMax ?? DEFAULT_HISTORY_MAX);
  try {
    if (!o.noHooks) await runHooks(ctx, rel, "pre-rollback", timeoutMs);
    const stale = await staleObjects(ctx, current.manifest ?? "", o.namespace, objs);
    await applyObjects(ctx, objs);
    await deleteObjects(ctx, stale);
    await maybeWait(ctx, objs, o.wait, timeoutMs);
    if (!o.noHooks) await runHooks(ctx, rel, "post-rollback", timeoutMs);
  } catch (e) {
    rel.info.status = "failed";
    rel.info.description = `Rollback "${o.name}" failed: ${(e as Error).message}`;
    await ctx.store.update(rel);
    throw e;
  }
  for (const r of await ctx.store.history(o.namespace, o.name)) {
    if (r.version !== rel.version && (r.info.status === "deployed" || r.version === current.version) && r.info.status !== "superseded") {
      r.info.status = "superseded";
      await ctx.store.update(r);
    }
  }
  rel.info.status = "deployed";
  await ctx.store.update(rel);
  return rel;
}
