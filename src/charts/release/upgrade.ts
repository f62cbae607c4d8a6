// `upgrade`: refused while another operation is pending; a new revision pending-upgrade
// → deployed "Upgrade complete", the previous one superseded; objects the new manifest
// dropped are deleted; failure marks the new revision failed (--atomic rolls back).
import { DEFAULT_TIMEOUT_MS, nowIso, validateReleaseName, type ActionContext, type CommonOptions, type Renderer, type Values } from "./action-context.ts";
import { applyObjects, deleteObjects, maybeWait, staleObjects } from "./apply-release.ts";
import { createWithHistoryMax, DEFAULT_HISTORY_MAX } from "./history-max.ts";
import { runHooks } from "./hooks.ts";
import { buildObjects } from "./release-objects.ts";
import { ReleaseActionError, ReleaseNotFoundError } from "./release-errors.ts";
import { PENDING_STATUSES, type Release } from "./release-types.ts";
import { rollback } from "./rollback.ts";

export interface UpgradeOptions extends CommonOptions {
  name: string;
  namespace: string;
  render: Renderer;
  /** Values given on this command line (-f/--set...). */
  config?: Values;
  valuesGiven?: boolean;
  reuseValues?: boolean;
  resetValues?: boolean;
  historyMax?: number;
}

export const PENDING_ERROR = "another operation (install/upgrade/rollback) is in progress";

function isTable(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** User values merged over older ones (what --reuse-values does). */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTable(v) && isTable(out[k]) ? mergeValues(out[k] as Values, v) : v;
  return out;
}

/** The revision an upgrade starts from: the deployed one, or a failed/superseded last one. */
export function currentForUpgrade(history: Release[], name: string): { last: Release; current: Release } {
  const last = history[history.length - 1];
  if (!last) throw new ReleaseNotFoundError();
  if (PENDING_STATUSES.has(last.info.status ?? "unknown")) throw new ReleaseActionError(PENDING_ERROR);
  if (last.info.status === "deployed") return { last, current: last };
  const deployed = [...history].reverse().find((r) => r.info.status === "deployed");
  if (deployed) return { last, current: deployed };
  if (last.info.status === "failed" || last.info.status === "superseded") return { last, current: last };
  throw new ReleaseActionError(`"${name}" has no deployed releases`);
}

export async function upgrade(ctx: ActionContext, o: UpgradeOptions): Promise<Release> {
  validateReleaseName(o.name);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const history = await ctx.store.history(o.namespace, o.name);
  const { last, current } = currentForUpgrade(history, o.name);
  const given = o.config ?? {};
  let config: Values;
  if (o.resetValues) config = given;
  else if (o.reuseValues) config = mergeValues(current.config ?? {}, given);
  else config = o.valuesGiven || Object.keys(given).length > 0 ? given : (current.config ?? {});

  const version = last.version + 1;
  const rendered = await o.render({ revision: version, isUpgrade: true, config });
  const objs = await buildObjects(ctx.cluster, rendered.manifest, o);
  for (const h of rendered.hooks) await buildObjects(ctx.cluster, h.manifest ?? "", o);

  const ts = nowIso(ctx);
  const rel: Release = {
    name: o.name,
    info: { first_deployed: current.info.first_deployed, last_deployed: ts, status: "pending-upgrade", description: "Preparing upgrade", notes: rendered.notes || undefined },
    chart: rendered.chart,
    config,
    manifest: rendered.manifest,
    hooks: rendered.hooks,
    version,
    namespace: o.namespace,
    apply_method: "ssa",
  };
  await createWithHistoryMax(ctx.store, rel, o.historyMax ?? DEFAULT_HISTORY_MAX);
  try {
    if (!o.noHooks) await runHooks(ctx, rel, "pre-upgrade", timeoutMs);
    const stale = await staleObjects(ctx, current.manifest ?? "", o.namespace, objs);
    await applyObjects(ctx, objs);
    await deleteObjects(ctx, stale);
    await maybeWait(ctx, objs, o.wait || o.atomic, timeoutMs);
    if (!o.noHooks) await runHooks(ctx, rel, "post-upgrade", timeoutMs);
  } catch (e) {
    const msg = (e as Error).message;
    rel.info.status = "failed";
    rel.info.description = `Upgrade "${o.name}" failed: ${msg}`;
    rel.info.last_deployed = nowIso(ctx);
    await ctx.store.update(rel);
    if (o.atomic) {
      try {
        await rollback(ctx, { name: o.name, namespace: o.namespace, version: current.version, timeoutMs, wait: true, noHooks: o.noHooks, historyMax: o.historyMax });
      } catch (r) {
        throw new ReleaseActionError(`an error occurred while rolling back the release. original upgrade error: ${msg}: ${(r as Error).message}`);
      }
      throw new ReleaseActionError(`release ${o.name} failed, and has been rolled back due to atomic being set: ${msg}`);
    }
    throw e;
  }
  for (const r of await ctx.store.history(o.namespace, o.name)) {
    if (r.version !== version && r.info.status === "deployed") {
      r.info.status = "superseded";
      await ctx.store.update(r);
    }
  }
  rel.info.status = "deployed";
  rel.info.description = o.description || "Upgrade complete";
  await ctx.store.update(rel);
  return rel;
}
