// pods/binding (the scheduler's write), pods/eviction (kubectl drain's) and
// pods/ephemeralcontainers (kubectl debug's).
import type { EphemeralContainer, PodSpec } from "kubernetes-types/core/v1";
import type { Registry } from "../api/registry/registry.ts";
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiError, badRequest, conflict, invalid } from "../api/errors.ts";
import { bodyFormat, readBody } from "../api/http/body.ts";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from "../api/patch/index.ts";
import { validateEphemeralContainersUpdate } from "../api/validation/ephemeral-containers.ts";
import { json } from "../api/http/resources.ts";
import type { SubresourceHandler } from "../api/http/types.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import { evictionHandler } from "./eviction.ts";

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

  handlers.set("pods/eviction", evictionHandler(registry, authorize));

  handlers.set("pods/ephemeralcontainers", async (req, _url, path, user) => {
    const namespace = path.namespace!;
    const name = path.name!;
    if (req.method === "GET") {
      authorize(user, { verb: "get", kind: pods, namespace, name, subresource: "ephemeralcontainers" });
      return json(registry.get(pods, namespace, name));
    }
    if (req.method !== "PUT" && req.method !== "PATCH") throw new ApiError(405, "MethodNotAllowed", `${req.method} is not allowed on pods/ephemeralcontainers`);
    authorize(user, { verb: req.method === "PUT" ? "update" : "patch", kind: pods, namespace, name, subresource: "ephemeralcontainers" });
    const format = bodyFormat(req.headers.get("content-type"), req.method);
    const body = await readBody(req, format);
    if (body === undefined) throw badRequest("the request body is empty");
    const gvk = { group: "", version: "v1", kind: "Pod" };
    const { object } = await registry.replace(
      pods,
      namespace,
      name,
      (cur) => {
        const current = cur!;
        let wanted: KubeObject;
        try {
          if (req.method === "PUT") wanted = body as KubeObject;
          else if (format === "merge-patch") wanted = applyMergePatch(current as Record<string, unknown>, body) as KubeObject;
          else if (format === "json-patch") wanted = applyJsonPatch(current as Record<string, unknown>, body) as KubeObject;
          else if (format === "strategic-merge-patch") wanted = applyStrategicMergePatch(current as Record<string, unknown>, body, gvk) as KubeObject;
          else throw badRequest(`unsupported patch type ${format}`);
        } catch (e) {
          if (e instanceof PatchError) throw badRequest(e.message);
          throw e;
        }
        const rv = (wanted?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
        if (rv && rv !== current.metadata.resourceVersion) throw conflict({ ...pods, name }, "the object has been modified; please apply your changes to the latest version and try again");
        const requested = (wanted?.spec as PodSpec | undefined)?.ephemeralContainers ?? [];
        if (!Array.isArray(requested)) throw badRequest("spec.ephemeralContainers must be a list");
        const next = structuredClone(current);
        const spec = next.spec as PodSpec;
        // Defaults first, so that an unchanged container compares equal to the stored one.
        const probe = { spec: { containers: [], ephemeralContainers: structuredClone(requested) } } as unknown as KubeObject;
        pods.defaults?.(probe);
        const defaulted = (probe.spec as PodSpec).ephemeralContainers as EphemeralContainer[];
        const errs = validateEphemeralContainersUpdate(defaulted, current.spec as PodSpec);
        if (errs.length) throw invalid("Pod", "", name, errs);
        spec.ephemeralContainers = defaulted;
        if (defaulted.length === 0) delete spec.ephemeralContainers;
        return next;
      },
      { systemSpecWrite: true },
    );
    return json(object);
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
