// When a Node, Deployment or Service counts as up. Each rule reads only stored state, so
// the server can judge an object even when the node or agent behind it is gone.
import type { KubeObject } from "../../api/kinds/kind.ts";
import { maxUnavailable, type DeploymentSpec } from "../../controllers/deployment/rollout-math.ts";

type Condition = { type: string; status: string };

/** A node is up while its Ready condition is True (the node lifecycle turns it Unknown when the agent goes silent). */
export function isNodeUp(node: KubeObject): boolean {
  const conditions = (node.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** The fewest available replicas that still count as available: spec.replicas − maxUnavailable, as upstream's DeploymentAvailable condition. */
export function minimumAvailable(deployment: KubeObject): number {
  const spec = (deployment.spec ?? {}) as DeploymentSpec;
  const desired = spec.replicas ?? 1;
  let unavailable = 0;
  try {
    unavailable = maxUnavailable(spec);
  } catch {
    // An unparsable maxUnavailable leaves no slack rather than hiding an outage.
  }
  return Math.max(0, desired - unavailable);
}

export function isDeploymentUp(deployment: KubeObject): boolean {
  const available = (deployment.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0;
  return available >= minimumAvailable(deployment);
}

/** ExternalName Services have no endpoints by design: they are not tracked. */
export function isTrackedService(service: KubeObject): boolean {
  return (service.spec as { type?: string } | undefined)?.type !== "ExternalName";
}

type EndpointsSubset = { addresses?: unknown[] };
type SliceEndpoint = { conditions?: { ready?: boolean | null } };

/** Ready addresses per Service, from its Endpoints and EndpointSlices ("namespace/name" → has one). */
export function servicesWithReadyEndpoints(endpoints: readonly KubeObject[], slices: readonly KubeObject[]): Set<string> {
  const ready = new Set<string>();
  for (const ep of endpoints) {
    const subsets = (ep.subsets as EndpointsSubset[] | undefined) ?? [];
    if (subsets.some((s) => (s.addresses?.length ?? 0) > 0)) ready.add(`${ep.metadata.namespace}/${ep.metadata.name}`);
  }
  for (const slice of slices) {
    const service = slice.metadata.labels?.["kubernetes.io/service-name"];
    if (!service) continue;
    // A nil ready condition means ready (upstream's EndpointSlice contract).
    const list = (slice.endpoints as SliceEndpoint[] | undefined) ?? [];
    if (list.some((e) => e.conditions?.ready !== false)) ready.add(`${slice.metadata.namespace}/${service}`);
  }
  return ready;
}
