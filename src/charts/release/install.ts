// `install`: revision 1 (or last+1 with --replace), pending-install → deployed
// "Install complete"; any failure after the record exists leaves it failed, and
// --atomic uninstalls what was installed.
import { DEFAULT_TIMEOUT_MS, nowIso, validateReleaseName, type ActionContext, type CommonOptions, type Renderer, type Values } from "./action-context.ts";
import { applyObjects, maybeWait } from "./apply-release.ts";
import { runHooks } from "./hooks.ts";
import { buildObjects } from "./release-objects.ts";
import { ReleaseActionError } from "./release-errors.ts";
import type { Release } from "./release-types.ts";
import { uninstall } from "./uninstall.ts";

export interface InstallOptions extends CommonOptions {
  name: string;
  namespace: string;
  render: Renderer;
  /** The user-supplied values (stored as the release's config). */
  config?: Values;
  replace?: boolean;
  createNamespace?: boolean;
}

export async function install(ctx: ActionContext, o: InstallOptions): Promise<Release> {
  validateReleaseName(o.name);
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const history = await ctx.store.history(o.namespace, o.name);
  const last = history[history.length - 1];
  if (last && !(o.replace && (last.info.status === "uninstalled" || last.info.status === "failed"))) {
    throw new ReleaseActionError("cannot re-use a name that is still in use");
  }
  const version = last ? last.version + 1 : 1;
  const config = o.config ?? {};
  const rendered = await o.render({ revision: version, isUpgrade: false, config });
  // Every kind must be served before anything is written.
  const objs = await buildObjects(ctx.cluster, rendered.manifest, o);
  for (const h of rendered.hooks) await buildObjects(ctx.cluster, h.manifest ?? "", o);
  if (o.createNamespace) await ctx.cluster.ensureNamespace(o.namespace);

  const ts = nowIso(ctx);
  const rel: Release = {
    name: o.name,
    info: { first_deployed: ts, last_deployed: ts, status: "pending-install", description: "Initial install underway", notes: rendered.notes || undefined },
    chart: rendered.chart,
    config,
    manifest: rendered.manifest,
    hooks: rendered.hooks,
    version,
    namespace: o.namespace,
    apply_method: "ssa",
  };
  if (last) {
    last.info.status = "superseded";
    await ctx.store.update(last);
  }
  await ctx.store.create(rel);
  try {
    if (!o.noHooks) await runHooks(ctx, rel, "pre-install", timeoutMs);
    await applyObjects(ctx, objs);
    await maybeWait(ctx, objs, o.wait || o.atomic, timeoutMs);
    if (!o.noHooks) await runHooks(ctx, rel, "post-install", timeoutMs);
  } catch (e) {
    const msg = (e as Error).message;
    rel.info.status = "failed";
    rel.info.description = `Release "${o.name}" failed: ${msg}`;
    rel.info.last_deployed = nowIso(ctx);
    await ctx.store.update(rel);
    if (o.atomic) {
      try {
        await uninstall(ctx, { name: o.name, namespace: o.namespace, timeoutMs, noHooks: o.noHooks });
      } catch (u) {
        throw new ReleaseActionError(`an error occurred while uninstalling the release. original install error: ${msg}: ${(u as Error).message}`);
      }
      throw new ReleaseActionError(`release ${o.name} failed, and has been uninstalled due to atomic being set: ${msg}`);
    }
    throw e;
  }
  rel.info.status = "deployed";
  rel.info.description = o.description || "Install complete";
  await ctx.store.update(rel);
  return rel;
}
