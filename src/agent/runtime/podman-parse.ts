// Turns podman's JSON answers into the driver's types. Pure functions, so the
// shapes podman 4.3 prints are pinned by unit tests.
import {
  LABEL_CONTAINER_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from "./labels.ts";
import type { ContainerInfo, ContainerState, ContainerStats, RuntimeEvent, RuntimeEventType, SandboxInfo } from "./types.ts";

/** The fields of `podman container inspect` skiff reads. */
export interface PodmanInspect {
  Id: string;
  Name?: string;
  Created?: string;
  Pod?: string;
  IsInfra?: boolean;
  Image?: string;
  ImageName?: string;
  State?: {
    Status?: string;
    ExitCode?: number;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
  };
  Config?: { Labels?: Record<string, string> | null };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null; IPAddress?: string };
}

/** The fields of `podman pod ps --format json` skiff reads. */
export interface PodmanPodPs {
  Id: string;
  Name?: string;
  Status?: string;
  InfraId?: string;
  Created?: string;
  Labels?: Record<string, string> | null;
}

/** Go's zero time means "never"; everything else is normalised to ISO 8601. */
export function podmanTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith("0001-01-01")) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function containerState(status: string | undefined): ContainerState {
  switch (status) {
    case "running":
    case "paused":
    case "stopping":
      return "running";
    case "created":
    case "configured":
    case "initialized":
      return "created";
    case "exited":
    case "stopped":
      return "exited";
    default:
      return "unknown";
  }
}

export function toContainerInfo(c: PodmanInspect): ContainerInfo {
  const labels = c.Config?.Labels ?? {};
  const state = containerState(c.State?.Status);
  return {
    id: c.Id,
    name: labels[LABEL_CONTAINER_NAME] ?? (c.Name ?? "").replace(/^\//, ""),
    podUid: labels[LABEL_POD_UID] ?? "",
    sandboxId: c.Pod ?? "",
    state,
    exitCode: state === "exited" ? (c.State?.ExitCode ?? 0) : undefined,
    oomKilled: c.State?.OOMKilled || undefined,
    createdAt: podmanTime(c.Created),
    startedAt: podmanTime(c.State?.StartedAt),
    finishedAt: state === "exited" ? podmanTime(c.State?.FinishedAt) : undefined,
    labels,
    image: c.ImageName ?? "",
    imageID: c.Image ? `sha256:${c.Image.replace(/^sha256:/, "")}` : "",
    attempt: Number(labels[LABEL_CONTAINER_ATTEMPT] ?? 0) || 0,
  };
}

/** The infra container's address on the named network (or the first one found). */
export function infraIp(infra: PodmanInspect | undefined, networkName: string): string | undefined {
  const nets = infra?.NetworkSettings?.Networks ?? {};
  const ip = nets[networkName]?.IPAddress || Object.values(nets).find((n) => n.IPAddress)?.IPAddress;
  return ip || infra?.NetworkSettings?.IPAddress || undefined;
}

export function toSandboxInfo(pod: PodmanPodPs, infra: PodmanInspect | undefined, networkName: string): SandboxInfo {
  const labels = pod.Labels ?? {};
  const infraState = infra ? containerState(infra.State?.Status) : "unknown";
  const ready = infraState === "running";
  return {
    id: pod.Id,
    podUid: labels[LABEL_POD_UID] ?? "",
    podName: labels[LABEL_POD_NAME] ?? pod.Name ?? "",
    namespace: labels[LABEL_POD_NAMESPACE] ?? "",
    // An infra never started (the pod was made, its first container not yet run) is not
    // broken: starting a container starts it. One that ran and stopped lost its network.
    state: ready ? "ready" : infraState === "created" ? "created" : "notready",
    infraId: pod.InfraId || infra?.Id,
    ip: ready ? infraIp(infra, networkName) : undefined,
    labels,
    createdAt: podmanTime(pod.Created),
  };
}

/**
 * Parses lines of `podman stats --format '{{.ContainerID}} {{.ContainerStats.CPUNano}} {{.ContainerStats.MemUsage}} {{.ContainerStats.PIDs}}'`
 * (raw nanoseconds and bytes, not the human-readable columns).
 */
export function parseStatsLines(text: string): ContainerStats[] {
  const out: ContainerStats[] = [];
  for (const line of text.split("\n")) {
    const [id, cpuNano, mem, pids] = line.trim().split(/\s+/);
    if (!id || cpuNano === undefined || mem === undefined) continue;
    // With a process count (`{{.ContainerStats.PIDs}}`), none means the container is not running.
    if (pids !== undefined && Number(pids) === 0) continue;
    const cpu = Number(cpuNano);
    const bytes = Number(mem);
    if (!Number.isFinite(cpu) || !Number.isFinite(bytes)) continue;
    out.push({ id, cpuSeconds: cpu / 1e9, memoryWorkingSetBytes: bytes });
  }
  return out;
}

/** Image names printed by `podman load` ("Loaded image(s): a,b" or "Loaded image: a"). */
export function parseLoadedImages(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /^Loaded image(?:\(s\))?:\s*(.+)$/.exec(line.trim());
    if (m) names.push(...m[1]!.split(",").map((s) => s.trim()).filter(Boolean));
  }
  return names;
}

/** podman's words for the events the agent acts on; the others ("create", "cleanup"…) are dropped. */
const PODMAN_EVENT_TYPES: Record<string, RuntimeEventType | undefined> = { start: "started", died: "exited", oom: "oomKilled", remove: "removed" };

/** One line of `podman events --format json`; undefined for lines that are not about a skiff container. */
export function parseEventLine(line: string): RuntimeEvent | undefined {
  let e: { ID?: string; Type?: string; Status?: string; ContainerExitCode?: number; Attributes?: Record<string, string> | null };
  try {
    e = JSON.parse(line);
  } catch {
    return undefined;
  }
  const podUid = e.Attributes?.[LABEL_POD_UID];
  if (e.Type !== "container" || !e.ID || !e.Status || !podUid) return undefined;
  const type = PODMAN_EVENT_TYPES[e.Status];
  if (!type) return undefined;
  return type === "exited" && typeof e.ContainerExitCode === "number" ? { containerId: e.ID, podUid, type, exitCode: e.ContainerExitCode } : { containerId: e.ID, podUid, type };
}

/**
 * What `podman container inspect A B…` found, given its output: with some containers gone it
 * prints the others and names each missing one on stderr (exit 125). Undefined when the
 * call failed for any other reason.
 */
export function parseInspectAnswer(stdout: string, stderr: string, exitCode: number): PodmanInspect[] | undefined {
  let found: PodmanInspect[] | undefined;
  const text = stdout.trim();
  try {
    const parsed = text === "" ? [] : JSON.parse(text);
    if (Array.isArray(parsed)) found = parsed;
  } catch {
    return undefined;
  }
  if (exitCode === 0) return found;
  const otherErrors = stderr.split("\n").filter((l) => l.trim() && !/no such container|no such object|no container with name or id/i.test(l));
  return otherErrors.length ? undefined : found;
}
