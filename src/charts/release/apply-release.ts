// The part install, upgrade and rollback share: apply the target objects in install
// order, delete what the previous manifest had and the target no longer has, wait.
import type { ActionContext } from "./action-context.ts";
import { objectKey, type KubeObj } from "./cluster.ts";
import { parseManifest, uninstallOrder } from "./release-objects.ts";
import { waitForReady } from "./wait.ts";

export async function applyObjects(ctx: ActionContext, objs: KubeObj[]): Promise<void> {
  for (const o of objs) await ctx.cluster.apply(o);
}

/** Objects of `previousManifest` (namespaced by `namespace`) that `target` no longer holds. */
export async function staleObjects(ctx: ActionContext, previousManifest: string, namespace: string, target: KubeObj[]): Promise<KubeObj[]> {
  const keep = new Set(target.map(objectKey));
  const stale: KubeObj[] = [];
  for (const o of parseManifest(previousManifest)) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name) continue;
    const info = await ctx.cluster.kindInfo(o.apiVersion, o.kind);
    if (!info) continue;
    if (info.namespaced) o.metadata.namespace ||= namespace;
    else delete o.metadata.namespace;
    if (!keep.has(objectKey(o))) stale.push(o);
  }
  return uninstallOrder(stale);
}

export async function deleteObjects(ctx: ActionContext, objs: KubeObj[]): Promise<void> {
  for (const o of objs) await ctx.cluster.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
}

export async function maybeWait(ctx: ActionContext, objs: KubeObj[], wait: boolean | undefined, timeoutMs: number) {
  if (wait) await waitForReady(ctx.cluster, objs, timeoutMs, ctx.pollMs);
}
