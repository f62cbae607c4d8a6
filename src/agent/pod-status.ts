// A pod's status as upstream's kubelet reports it: phase, conditions, IPs and one
// containerStatus per container, so kubectl's READY/STATUS/RESTARTS read as on Kubernetes.
import type { ContainerInfo } from "./runtime/types.ts";
import type { Pod } from "./pod-source.ts";

export type ContainerView = {
  spec: { name: string; image: string };
  isInit: boolean;
  current?: ContainerInfo;
  previous?: ContainerInfo;
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
};

const ts = (iso?: string) => (iso ? new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace(".000Z", "Z") : undefined);

function terminated(c: ContainerInfo, runtime: string) {
  return {
    exitCode: c.exitCode ?? 0,
    reason: c.oomKilled ? "OOMKilled" : (c.exitCode ?? 0) === 0 ? "Completed" : "Error",
    startedAt: ts(c.startedAt),
    finishedAt: ts(c.finishedAt),
    containerID: `${runtime}://${c.id}`,
  };
}

function containerStatus(v: ContainerView, runtime: string) {
  const c = v.current;
  let state: Record<string, unknown>;
  let lastState: Record<string, unknown> = {};
  if (c?.state === "running" && !v.waiting) state = { running: { startedAt: ts(c.startedAt) } };
  else if (v.waiting && v.waiting.reason !== "ContainerCreating" && (!c || c.state !== "running")) {
    state = { waiting: { reason: v.waiting.reason, ...(v.waiting.message ? { message: v.waiting.message } : {}) } };
    if (c && c.state === "exited") lastState = { terminated: terminated(c, runtime) };
  } else if (c?.state === "running") state = { running: { startedAt: ts(c.startedAt) } };
  else if (c?.state === "exited") state = { terminated: terminated(c, runtime) };
  else state = { waiting: { reason: v.waiting?.reason ?? (v.isInit ? "PodInitializing" : "ContainerCreating") } };
  if (!("terminated" in lastState) && v.previous?.state === "exited") lastState = { terminated: terminated(v.previous, runtime) };
  return {
    name: v.spec.name,
    state,
    lastState,
    ready: v.ready,
    restartCount: c?.attempt ?? 0,
    image: v.spec.image,
    imageID: c?.imageID ?? "",
    ...(c ? { containerID: `${runtime}://${c.id}` } : {}),
    started: v.started,
  };
}

function phaseOf(pod: Pod, init: ContainerView[], containers: ContainerView[]): string {
  const policy = pod.spec.restartPolicy ?? "Always";
  for (const v of init) {
    const c = v.current;
    if (c?.state === "exited" && c.exitCode !== 0 && policy === "Never") return "Failed";
    if (!(c?.state === "exited" && c.exitCode === 0)) return "Pending";
  }
  const states = containers.map((v) => v.current);
  if (states.some((c) => !c || c.state === "created")) {
    // Some container has not started yet; once any has run the pod counts as Running.
    return states.some((c) => c?.state === "running" || c?.state === "exited") ? "Running" : "Pending";
  }
  if (states.some((c) => c!.state === "running")) return "Running";
  // Everything has exited.
  if (policy === "Always") return "Running";
  const allOk = states.every((c) => c!.exitCode === 0);
  if (allOk) return "Succeeded";
  if (policy === "Never") return "Failed";
  return "Running"; // OnFailure: the failed ones restart
}

type Condition = { type: string; status: "True" | "False"; reason?: string; lastTransitionTime?: string; lastProbeTime: null };

export function buildPodStatus(opts: { pod: Pod; init: ContainerView[]; containers: ContainerView[]; ephemeral?: ContainerView[]; podIP?: string; hostIP: string; startTime: string; runtime: string }) {
  const { pod, init, containers } = opts;
  // A finished pod never leaves its terminal phase (as the kubelet), even when the runtime has
  // lost its containers (a reset store, a reboot): Job controllers have counted it already.
  const prior = pod.status?.phase;
  const phase = prior === "Succeeded" || prior === "Failed" ? prior : phaseOf(pod, init, containers);
  const initialized = init.every((v) => v.current?.state === "exited" && v.current.exitCode === 0);
  const containersReady = containers.every((v) => v.ready);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const old = new Map<string, Condition>((pod.status?.conditions ?? []).map((c: Condition) => [c.type, c]));
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
  const cond = (type: string, ok: boolean, reason?: string): Condition => {
    const status = ok ? "True" : "False";
    const prior = old.get(type);
    return { type, status, ...(ok || !reason ? {} : { reason }), lastProbeTime: null, lastTransitionTime: prior?.status === status ? prior.lastTransitionTime : now };
  };
  const conditions = [
    cond("PodReadyToStartContainers", !!opts.podIP),
    cond("Initialized", initialized, "ContainersNotInitialized"),
    cond("Ready", containersReady && !terminal, terminal ? "PodCompleted" : "ContainersNotReady"),
    cond("ContainersReady", containersReady && !terminal, terminal ? "PodCompleted" : "ContainersNotReady"),
    cond("PodScheduled", true),
  ];
  const qos = qosClass(pod);
  return {
    phase,
    conditions,
    hostIP: opts.hostIP,
    hostIPs: [{ ip: opts.hostIP }],
    ...(opts.podIP ? { podIP: opts.podIP, podIPs: [{ ip: opts.podIP }] } : {}),
    startTime: opts.startTime,
    ...(init.length ? { initContainerStatuses: init.map((v) => containerStatus(v, opts.runtime)) } : {}),
    containerStatuses: containers.map((v) => containerStatus(v, opts.runtime)),
    ...(opts.ephemeral?.length ? { ephemeralContainerStatuses: opts.ephemeral.map((v) => containerStatus(v, opts.runtime)) } : {}),
    qosClass: qos,
  };
}

/** Guaranteed when every container's limits equal its requests, BestEffort with none, else Burstable. */
export function qosClass(pod: Pod): string {
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
