// Running one hook event as helm does: the event's hooks by weight then name; each one
// is (re)created, and Jobs and Pods are waited for; delete policies are honoured
// (before-hook-creation is the default when none is given). Other kinds count as done
// once created.
import type { ActionContext } from "./action-context.ts";
import type { Cluster, KubeObj } from "./cluster.ts";
import { buildObjects } from "./release-objects.ts";
import { ReleaseActionError } from "./release-errors.ts";
import type { Release, ReleaseHook } from "./release-types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hookOrder(a: ReleaseHook, b: ReleaseHook): number {
  const w = (a.weight ?? 0) - (b.weight ?? 0);
  if (w !== 0) return w;
  return (a.name ?? "") < (b.name ?? "") ? -1 : (a.name ?? "") > (b.name ?? "") ? 1 : 0;
}

const policies = (h: ReleaseHook) => (h.delete_policies?.length ? h.delete_policies : ["before-hook-creation"]);

/** Whether a hook object has finished, and why it failed if it did. */
function outcome(o: KubeObj): { done: boolean; failed?: string } {
  if (o.kind === "Job") {
    for (const c of o.status?.conditions ?? []) {
      if (c.status !== "True") continue;
      if (c.type === "Complete") return { done: true };
      if (c.type === "Failed") return { done: true, failed: c.reason ?? "failed" };
    }
    return { done: false };
  }
  if (o.kind === "Pod") {
    if (o.status?.phase === "Succeeded") return { done: true };
    if (o.status?.phase === "Failed") return { done: true, failed: "pod failed" };
    return { done: false };
  }
  return { done: true };
}

async function deleteAndWaitGone(cluster: Cluster, o: KubeObj, deadline: number, pollMs: number) {
  if (!(await cluster.delete(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name))) return;
  while (await cluster.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)) {
    if (Date.now() >= deadline) throw new ReleaseActionError(`timed out waiting for ${o.kind} ${o.metadata.name} to be deleted`);
    await sleep(pollMs);
  }
}

export async function runHooks(ctx: ActionContext, rel: Release, event: string, timeoutMs: number): Promise<void> {
  const hooks = (rel.hooks ?? []).filter((h) => h.events?.includes(event)).sort(hookOrder);
  if (hooks.length === 0) return;
  const pollMs = ctx.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  const now = () => (ctx.now ? ctx.now() : new Date()).toISOString();
  const done: { hook: ReleaseHook; obj: KubeObj }[] = [];
  for (const hook of hooks) {
    const [obj] = await buildObjects(ctx.cluster, hook.manifest ?? "", rel);
    if (!obj) continue;
    if (policies(hook).includes("before-hook-creation")) await deleteAndWaitGone(ctx.cluster, obj, deadline, pollMs);
    hook.last_run = { started_at: now(), phase: "Running" };
    await ctx.cluster.create(obj);
    let result = obj.kind === "Job" || obj.kind === "Pod" ? { done: false } as ReturnType<typeof outcome> : { done: true };
    while (!result.done) {
      const live = await ctx.cluster.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
      result = live ? outcome(live) : { done: true, failed: "deleted while running" };
      if (result.done) break;
      if (Date.now() >= deadline) result = { done: true, failed: "timed out waiting for the condition" };
      else await sleep(pollMs);
    }
    hook.last_run = { ...hook.last_run, completed_at: now(), phase: result.failed ? "Failed" : "Succeeded" };
    if (result.failed) {
      if (policies(hook).includes("hook-failed")) await ctx.cluster.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
      throw new ReleaseActionError(`${event} hooks failed: 1 error occurred:\n\t* ${obj.kind.toLowerCase()} ${obj.metadata.name} failed: ${result.failed}`);
    }
    done.push({ hook, obj });
  }
  for (const { hook, obj } of done) {
    if (policies(hook).includes("hook-succeeded")) await ctx.cluster.delete(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
  }
}
