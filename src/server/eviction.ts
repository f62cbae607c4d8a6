// pods/eviction (policy/v1 Eviction, also the policy/v1beta1 body): deletes the pod when the
// PodDisruptionBudgets covering it allow one more disruption, as upstream's EvictionREST does;
// otherwise 429 TooManyRequests with a DisruptionBudget cause, which `kubectl drain` retries.
import type { KindDef, KubeObject } from "../api/kinds/kind.ts";
import type { DeleteOptions, Registry } from "../api/registry/registry.ts";
import { ApiError, badRequest, conflict, notFound } from "../api/errors.ts";
import { readBody } from "../api/http/body.ts";
import { json } from "../api/http/resources.ts";
import type { SubresourceHandler, UserInfo, RequestAttributes } from "../api/http/types.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";
import { labelSelectorRequirements, labelSelectorMatcher } from "../api/selectors/label-selector.ts";
import { isPodReady } from "../controllers/shared/pod-state.ts";
import { withAllowedCondition, type BudgetSpec, type BudgetStatus } from "../controllers/disruption/budget.ts";

const EVICTION_VERSIONS = ["policy/v1", "policy/v1beta1"];
/** Upstream's MaxDisruptedPodSize: evictions the disruption controller has not confirmed yet. */
const MAX_DISRUPTED_PODS = 2000;
const VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

type Eviction = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string }; deleteOptions?: Record<string, unknown> | null };

const tooManyRequests = (cause: string, retryAfterSeconds = 0) =>
  new ApiError(429, "TooManyRequests", VIOLATES, { ...(retryAfterSeconds ? { retryAfterSeconds } : {}), causes: [{ type: "DisruptionBudget", message: cause }] });

/** Pods whose eviction disrupts nothing more: finished, still pending, or already going. */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === "Succeeded" || phase === "Failed" || phase === "Pending" || !!pod.metadata.deletionTimestamp;
}

/** The budgets of the pod's namespace selecting it; a missing or empty selector selects nothing here. */
function budgetsOf(registry: Registry, pdbKind: KindDef, pod: KubeObject): KubeObject[] {
  return registry.list(pdbKind, pod.metadata.namespace).items.filter((pdb) => {
    const selector = (pdb.spec as BudgetSpec | undefined)?.selector;
    try {
      if (!selector || !labelSelectorRequirements(selector as never).length) return false;
      return labelSelectorMatcher(selector as never)(pod.metadata.labels ?? {});
    } catch {
      return false;
    }
  });
}

function deleteOptionsOf(body: Eviction, params: URLSearchParams): DeleteOptions {
  const o = body.deleteOptions ?? {};
  if (typeof o !== "object" || Array.isArray(o)) throw badRequest("deleteOptions must be a DeleteOptions object");
  const opts: DeleteOptions = {};
  if (o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds !== null) {
    if (typeof o.gracePeriodSeconds !== "number" || !Number.isInteger(o.gracePeriodSeconds)) throw badRequest("gracePeriodSeconds must be an integer");
    opts.gracePeriodSeconds = Math.max(0, o.gracePeriodSeconds);
  }
  if (o.preconditions && typeof o.preconditions === "object") opts.preconditions = o.preconditions as DeleteOptions["preconditions"];
  const policy = o.propagationPolicy;
  if (policy !== undefined && policy !== null) {
    if (!["Background", "Foreground", "Orphan"].includes(policy as string)) throw badRequest(`propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`);
    opts.propagationPolicy = policy as DeleteOptions["propagationPolicy"];
  }
  const dryRun = [...(Array.isArray(o.dryRun) ? (o.dryRun as unknown[]) : []), ...params.getAll("dryRun")];
  const unsupported = dryRun.find((d) => d !== "All");
  if (unsupported !== undefined) throw badRequest(`dryRun: Unsupported value: "${String(unsupported)}": supported values: "All"`);
  if (dryRun.length) opts.dryRun = true;
  return opts;
}

/**
 * Verify and decrement (upstream's checkAndDecrement), as one write of the budget's status:
 * a concurrent eviction or controller update makes the other retry against the new status.
 */
async function checkAndDecrement(registry: Registry, pdbKind: KindDef, pdb: KubeObject, podName: string, dryRun: boolean): Promise<void> {
  const decide = (current: KubeObject): KubeObject => {
    const name = current.metadata.name!;
    const status = (current.status ?? {}) as BudgetStatus;
    if ((status.observedGeneration ?? 0) < (current.metadata.generation ?? 1)) throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw new ApiError(403, "Forbidden", `poddisruptionbudgets.policy "${name}" is forbidden: pdb disruptions allowed is negative`, { name, group: "policy", kind: "poddisruptionbudgets" });
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
      throw new ApiError(403, "Forbidden", `poddisruptionbudgets.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, { name, group: "policy", kind: "poddisruptionbudgets" });
    if (allowed === 0) throw tooManyRequests(`The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    let next: BudgetStatus = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...status.disruptedPods, [podName]: nowTimestamp() } };
    if (next.disruptionsAllowed === 0) next = withAllowedCondition(next, status.conditions, nowTimestamp());
    return { ...current, status: next };
  };
  if (dryRun) {
    decide(pdb);
    return;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await registry.replace(
        pdbKind,
        pdb.metadata.namespace!,
        pdb.metadata.name!,
        (current) => {
          if (!current || current.metadata.uid !== pdb.metadata.uid) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
          return decide(current);
        },
        {},
        "status",
      );
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409) || attempt >= 4) throw e;
    }
  }
}

/**
 * The pod's DisruptionTarget condition (reason EvictionByEvictionAPI), written before the
 * delete as upstream does; the delete's resourceVersion precondition then names the new revision.
 */
async function markDisruptionTarget(registry: Registry, pods: KindDef, namespace: string, name: string, opts: DeleteOptions): Promise<DeleteOptions> {
  const pre = opts.preconditions;
  const { object } = await registry.replace(
    pods,
    namespace,
    name,
    (current) => {
      if (!current) throw notFound({ ...pods, name });
      if (pre?.uid && pre.uid !== current.metadata.uid) throw conflict({ ...pods, name }, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)
        throw conflict({ ...pods, name }, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      const status = (current.status ??= {}) as { conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastProbeTime?: null }[] };
      const conditions = status.conditions ?? [];
      const old = conditions.find((c) => c.type === "DisruptionTarget");
      const next = { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastProbeTime: null, lastTransitionTime: old?.status === "True" ? old.lastTransitionTime : nowTimestamp() };
      status.conditions = [...conditions.filter((c) => c.type !== "DisruptionTarget"), next];
      return current;
    },
    {},
    "status",
  );
  return pre?.resourceVersion ? { ...opts, preconditions: { ...pre, resourceVersion: object.metadata.resourceVersion } } : opts;
}

export function evictionHandler(registry: Registry, authorize: (user: UserInfo, attrs: RequestAttributes) => void): SubresourceHandler {
  const pods = registry.kinds.find((k) => k.kind === "Pod" && k.group === "")!;
  return async (req, url, path, user) => {
    if (req.method !== "POST") throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${req.method} pods/eviction)`);
    const namespace = path.namespace!;
    const name = path.name!;
    authorize(user, { verb: "create", kind: pods, namespace, name, subresource: "eviction" });
    const body = (await readBody(req, "json")) as Eviction | undefined;
    if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("the body of an eviction must be a policy/v1 Eviction object");
    if (body.apiVersion !== undefined && !EVICTION_VERSIONS.includes(body.apiVersion)) throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (policy/v1)`);
    if (body.kind !== undefined && body.kind !== "Eviction") throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (Eviction)`);
    if ((body.metadata?.name ?? "") !== name) throw badRequest("name in URL does not match name in Eviction object");
    const opts = deleteOptionsOf(body, url.searchParams);
    const success = () => json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 }, 201);
    const evict = async () => {
      await registry.delete(pods, namespace, name, opts.dryRun ? opts : await markDisruptionTarget(registry, pods, namespace, name, opts));
      return success();
    };

    const pod = registry.get(pods, namespace, name);
    if (canIgnoreBudget(pod)) return evict();
    const pdbKind = registry.kind("policy", "v1", "poddisruptionbudgets");
    const budgets = pdbKind ? budgetsOf(registry, pdbKind, pod) : [];
    if (budgets.length > 1) throw new ApiError(500, "InternalError", "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    if (!budgets.length) return evict();
    const pdb = budgets[0]!;
    const spec = (pdb.spec ?? {}) as BudgetSpec;
    const status = (pdb.status ?? {}) as BudgetStatus;
    // An unready pod counts toward no budget: evicting it takes nothing from the healthy ones.
    if (!isPodReady(pod)) {
      if (spec.unhealthyPodEvictionPolicy === "AlwaysAllow") return evict();
      if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0) return evict();
    }
    await checkAndDecrement(registry, pdbKind!, pdb, name, !!opts.dryRun);
    return evict();
  };
}
