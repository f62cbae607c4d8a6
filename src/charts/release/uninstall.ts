// `uninstall`: uninstalling, pre-delete hooks, the release's objects deleted in Helm's
// uninstall order, post-delete hooks; then every record is removed, or with
// --keep-history the last one stays as uninstalled "Uninstallation complete".
import { DEFAULT_TIMEOUT_MS, nowIso, type ActionContext, type CommonOptions } from "./action-context.ts";
import { deleteObjects } from "./apply-release.ts";
import { runHooks } from "./hooks.ts";
import { parseManifest, uninstallOrder } from "./release-objects.ts";
import { ReleaseActionError, ReleaseNotFoundError } from "./release-errors.ts";
import type { Release } from "./release-types.ts";

export interface UninstallOptions extends CommonOptions {
  name: string;
  namespace: string;
  keepHistory?: boolean;
}

export async function uninstall(ctx: ActionContext, o: UninstallOptions): Promise<Release> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const history = await ctx.store.history(o.namespace, o.name);
  const rel = history[history.length - 1];
  if (!rel) throw new ReleaseNotFoundError();
  if (rel.info.status === "uninstalled") {
    if (o.keepHistory) throw new ReleaseActionError(`the release named "${o.name}" is already deleted`);
    for (const r of history) await ctx.store.delete(r.namespace, r.name, r.version);
    return rel;
  }
  rel.info.status = "uninstalling";
  rel.info.deleted = nowIso(ctx);
  rel.info.description = "Deletion in progress (or silently failed)";
  await ctx.store.update(rel);

  if (!o.noHooks) await runHooks(ctx, rel, "pre-delete", timeoutMs);
  const objs: ReturnType<typeof parseManifest> = [];
  for (const obj of parseManifest(rel.manifest ?? "")) {
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) continue;
    const info = await ctx.cluster.kindInfo(obj.apiVersion, obj.kind);
    if (!info) continue;
    if (info.namespaced) obj.metadata.namespace ||= o.namespace;
    else delete obj.metadata.namespace;
    objs.push(obj);
  }
  await deleteObjects(ctx, uninstallOrder(objs));
  if (!o.noHooks) await runHooks(ctx, rel, "post-delete", timeoutMs);

  if (o.keepHistory) {
    rel.info.status = "uninstalled";
    rel.info.description = o.description || "Uninstallation complete";
    await ctx.store.update(rel);
  } else {
    for (const r of await ctx.store.history(o.namespace, o.name)) await ctx.store.delete(r.namespace, r.name, r.version);
  }
  return rel;
}
