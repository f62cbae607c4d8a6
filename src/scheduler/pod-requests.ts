// What a pod asks of a node: cpu, memory, a pod slot, host ports.
import type { KubeObject } from "../api/kinds/kind.ts";
import { cpuMillis, parseQuantity } from "./quantity.ts";

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
type Container = { resources?: Resources; ports?: { hostPort?: number; containerPort?: number; protocol?: string; hostIP?: string }[] };
type PodSpec = { containers?: Container[]; initContainers?: (Container & { restartPolicy?: string })[]; overhead?: Record<string, string> };

export type Requests = { cpu: number; memory: number };
export type HostPort = { port: number; protocol: string; ip: string };

// A request not given falls back to the limit, as upstream's defaulting does.
function containerRequests(c: Container): Requests {
  const r = c.resources ?? {};
  return {
    cpu: cpuMillis(r.requests?.cpu ?? r.limits?.cpu),
    memory: parseQuantity(r.requests?.memory ?? r.limits?.memory) || 0,
  };
}

/** Sum of the containers, at least the largest init container, plus overhead. */
export function podRequests(pod: KubeObject): Requests {
  const spec = (pod.spec ?? {}) as PodSpec;
  const sum: Requests = { cpu: 0, memory: 0 };
  for (const c of spec.containers ?? []) {
    const r = containerRequests(c);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
  }
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c);
    sum.cpu = Math.max(sum.cpu, r.cpu);
    sum.memory = Math.max(sum.memory, r.memory);
  }
  if (spec.overhead) {
    sum.cpu += cpuMillis(spec.overhead.cpu);
    sum.memory += parseQuantity(spec.overhead.memory) || 0;
  }
  return sum;
}

export function hostPorts(pod: KubeObject): HostPort[] {
  const spec = (pod.spec ?? {}) as PodSpec;
  const out: HostPort[] = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of c.ports ?? []) if (p.hostPort) out.push({ port: p.hostPort, protocol: p.protocol ?? "TCP", ip: p.hostIP || "0.0.0.0" });
  }
  return out;
}

export function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === "0.0.0.0" || b.ip === "0.0.0.0");
}
