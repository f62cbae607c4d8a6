// pods/binding (the scheduler's write) and pods/eviction (kubectl drain's).
import type { Registry } from "../api/registry/registry.ts";
import { ApiError, badRequest, conflict } from "../api/errors.ts";
import { readBody } from "../api/http/body.ts";
import { json } from "../api/http/resources.ts";
import type { SubresourceHandler } from "../api/http/types.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";

export function podSubresources(registry: Registry, authorize: (user: any, attrs: any) => void): Map<string, SubresourceHandler> {
  const pods = registry.kinds.find((k) => k.kind === "Pod")!;
  const handlers = new Map<string, SubresourceHandler>();

  handlers.set("pods/binding", async (req, _url, path, user) => {
    if (req.method !== "POST") throw new ApiError(405, "MethodNotAllowed", "only POST is allowed on pods/binding");
    authorize(user, { verb: "create", kind: pods, namespace: path.namespace, name: path.name, subresource: "binding" });
    const body = (await readBody(req, "json")) as { target?: { name?: string } } | undefined;
    const node = body?.target?.name;
    if (!node) throw badRequest("a Binding needs target.name");
    await bindPod(registry, path.namespace!, path.name!, node);
    return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
  });

  handlers.set("pods/eviction", async (req, _url, path, user) => {
    if (req.method !== "POST") throw new ApiError(405, "MethodNotAllowed", "only POST is allowed on pods/eviction");
    authorize(user, { verb: "create", kind: pods, namespace: path.namespace, name: path.name, subresource: "eviction" });
    const body = (await readBody(req, "json")) as { deleteOptions?: { gracePeriodSeconds?: number; preconditions?: { uid?: string } } } | undefined;
    const opts = body?.deleteOptions ?? {};
    await registry.delete(pods, path.namespace!, path.name!, { gracePeriodSeconds: opts.gracePeriodSeconds, preconditions: opts.preconditions });
    return json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
  });
  return handlers;
}

/** Bind a pod to a node, once: the write the scheduler makes (node name and PodScheduled in one revision). */
export async function bindPod(registry: Registry, namespace: string, name: string, node: string): Promise<void> {
  const pods = registry.kinds.find((k) => k.kind === "Pod")!;
  await registry.replace(
    pods,
    namespace,
    name,
    (cur) => {
      const pod = cur!;
      const spec = pod.spec as { nodeName?: string };
      if (spec.nodeName) throw conflict({ ...pods, name }, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      if (pod.metadata.deletionTimestamp) throw conflict({ ...pods, name }, "pod is being deleted");
      spec.nodeName = node;
      const status = (pod.status ??= {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string; lastProbeTime?: null }[] };
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"), { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: nowTimestamp() }];
      return pod;
    },
    { systemSpecWrite: true, withStatus: true },
  );
}
