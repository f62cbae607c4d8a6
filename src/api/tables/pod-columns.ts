// `kubectl get pods`: READY, STATUS and RESTARTS computed exactly as upstream's printPod.
import type { Pod, ContainerStatus, Container } from "kubernetes-types/core/v1";
import { ageColumn, col, nameColumn, wide } from "./columns.ts";
import { since } from "./human-duration.ts";
import type { TableColumn } from "../kinds/kind.ts";

export type PodSummary = { ready: string; status: string; restarts: string };

const isRestartableInit = (c: Container | undefined) => c?.restartPolicy === "Always";
const later = (a: string | undefined, b: string | undefined) => (b && (!a || Date.parse(b) > Date.parse(a)) ? b : a);

export function podSummary(pod: Pod, now: number): PodSummary {
  const spec = pod.spec ?? ({ containers: [] } as NonNullable<Pod["spec"]>);
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;

  let reason: string = status.phase ?? "";
  if (status.reason) reason = status.reason;
  for (const c of status.conditions ?? []) if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";

  const inits = new Map<string, Container>();
  for (const c of spec.initContainers ?? []) {
    inits.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    const lastTerm = c.lastState?.terminated?.finishedAt;
    lastRestart = later(lastRestart, lastTerm);
    const restartable = isRestartableInit(inits.get(c.name));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerm);
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      else reason = `Init:${term.reason}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const waiting = c.state?.waiting;
      const term = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True") ? "Running" : "NotReady";
    }
  }

  const terminal = status.phase === "Succeeded" || status.phase === "Failed";
  if (pod.metadata?.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = "Terminating";

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart) restartsText = `${restarts} (${since(lastRestart, now)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (!gates.length) return "<none>";
  let ok = 0;
  for (const g of gates) {
    const c = (pod.status?.conditions ?? []).find((c) => c.type === g.conditionType);
    if (c?.status === "True") ok++;
  }
  return `${ok}/${gates.length}`;
}

export const podColumns: TableColumn[] = [
  nameColumn(),
  col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic.", (p, now) => podSummary(p, now).ready),
  col("Status", "string", "The aggregate status of the containers in this pod.", (p, now) => podSummary(p, now).status),
  col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", (p, now) => podSummary(p, now).restarts),
  ageColumn(),
  wide("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", (p: Pod) => p.status?.podIPs?.[0]?.ip || p.status?.podIP || "<none>"),
  wide("Node", "string", "NodeName indicates in which node this pod is scheduled.", (p: Pod) => p.spec?.nodeName || "<none>"),
  wide("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node.", (p: Pod) => p.status?.nominatedNodeName || "<none>"),
  wide("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", readinessGates),
];

/** Completed pods carry a row condition, as upstream marks them for clients that hide them. */
export function podRowConditions(pod: Pod) {
  if (pod.status?.phase === "Succeeded") return [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }];
  if (pod.status?.phase === "Failed") return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
  return undefined;
}
