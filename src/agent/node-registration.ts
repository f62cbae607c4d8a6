// The agent's Node object and Lease: registered at start, status kept current, lease
// renewed on a timer (the server's node lifecycle controller watches the lease).
import type { KubeObject } from "../api/kinds/kind.ts";
import { ApiClient, ApiRequestError, resources } from "../client/api-client.ts";
import { microTimestamp, nowTimestamp } from "../api/registry/metadata.ts";
import type { NodeFacts } from "./node-info.ts";
import { goArch } from "./node-info.ts";

/**
 * How often a node's status is written when nothing changed (the kubelet's
 * nodeStatusReportFrequency): liveness travels by the Lease, so a fleet's status writes stay
 * a small share of its heartbeats.
 */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

export type NodeRegistrationOptions = {
  nodeName: string;
  labels: Record<string, string>;
  isServer: boolean;
  agentPort: number;
  leaseDurationSeconds: number;
};

export function nodeLabels(opts: NodeRegistrationOptions): Record<string, string> {
  return {
    "kubernetes.io/hostname": opts.nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": goArch(),
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": goArch(),
    ...(opts.isServer ? { "node-role.kubernetes.io/control-plane": "true" } : {}),
    ...opts.labels,
  };
}

function readyCondition(now: string, prior?: { status?: string; lastTransitionTime?: string }) {
  const base = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: prior && type === "Ready" && prior.status === status ? prior.lastTransitionTime : now,
  });
  return [
    base("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    base("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    base("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    base("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

export function nodeStatus(facts: NodeFacts, opts: NodeRegistrationOptions, prior?: KubeObject) {
  const now = nowTimestamp();
  const priorReady = ((prior?.status as any)?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
  return {
    capacity: facts.capacity,
    allocatable: facts.capacity,
    conditions: readyCondition(now, priorReady),
    addresses: facts.addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: opts.agentPort } },
    nodeInfo: facts.nodeInfo,
  };
}

/** Create the Node, or bring an existing one's labels and status up to date. Returns the stored Node. */
export async function registerNode(client: ApiClient, facts: NodeFacts, opts: NodeRegistrationOptions): Promise<KubeObject> {
  const labels = nodeLabels(opts);
  try {
    const existing = await client.get(resources.nodes, undefined, opts.nodeName);
    const stored = existing.metadata.labels ?? {};
    if (Object.entries(labels).some(([k, v]) => stored[k] !== v)) await client.patch(resources.nodes, undefined, opts.nodeName, { metadata: { labels } });
    return await client.patch(resources.nodes, undefined, opts.nodeName, { status: nodeStatus(facts, opts, existing) }, "merge", "status");
  } catch (e) {
    if (!(e instanceof ApiRequestError && e.code === 404)) throw e;
  }
  return client.create(resources.nodes, undefined, { metadata: { name: opts.nodeName, labels }, spec: {}, status: nodeStatus(facts, opts) });
}

/** Renew (or create) the node's Lease; the renew time is a MicroTime. */
export async function renewLease(client: ApiClient, opts: NodeRegistrationOptions): Promise<void> {
  const renewTime = microTimestamp(Date.now());
  const spec = { holderIdentity: opts.nodeName, leaseDurationSeconds: opts.leaseDurationSeconds, renewTime };
  try {
    await client.patch(resources.leases, "kube-node-lease", opts.nodeName, { spec });
  } catch (e) {
    if (!(e instanceof ApiRequestError && e.code === 404)) throw e;
    await client.create(resources.leases, "kube-node-lease", { metadata: { name: opts.nodeName, namespace: "kube-node-lease" }, spec });
  }
}
