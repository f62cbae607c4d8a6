// Probe failures per Deployment, counted on the server from the agents' "Unhealthy" Events
// (deduplicated upstream-style: a repeat bumps `count`, so the increase is what is new).
// Counting here keeps a per-workload view without per-pod series on every agent.
import { Counter, type Registry as PromRegistry } from "prom-client";
import type { KubeObject } from "../../api/kinds/kind.ts";
import type { Change } from "../../store/store.ts";
import { RESOURCES, type ObjectSource } from "./object-source.ts";
import { DeploymentOwners } from "./pod-owners.ts";

type EventFields = { reason?: string; message?: string; count?: number; involvedObject?: { kind?: string; namespace?: string; name?: string } };

/** "Liveness probe failed: …" → "liveness"; upstream's probe_type values. */
export function probeTypeOf(message: string | undefined): string | undefined {
  const m = /^(Liveness|Readiness|Startup) probe/.exec(message ?? "");
  return m ? m[1]!.toLowerCase() : undefined;
}

/** How many new failures a change to an Unhealthy Event records (0 for anything else). */
export function newFailures(change: Pick<Change, "type" | "object" | "previous">): number {
  if (change.type === "DELETED") return 0;
  const ev = change.object as KubeObject & EventFields;
  if (ev.reason !== "Unhealthy" || !probeTypeOf(ev.message)) return 0;
  const now = ev.count ?? 1;
  const before = change.type === "MODIFIED" ? ((change.previous as (KubeObject & EventFields) | undefined)?.count ?? 1) : 0;
  return Math.max(0, now - before);
}

export function probeFailureCounter(source: ObjectSource, registers: PromRegistry[]) {
  const counter = new Counter({
    name: "skiff_probe_failures_total",
    help: "Failed container probes reported by agents, by Deployment (empty for pods of no Deployment) and probe type.",
    labelNames: ["namespace", "deployment", "probe_type"] as const,
    registers,
  });
  return {
    counter,
    onChange(change: Change) {
      if (change.resource !== RESOURCES.events) return;
      const n = newFailures(change);
      if (!n) return;
      const ev = change.object as KubeObject & EventFields;
      const inv = ev.involvedObject ?? {};
      const ns = inv.namespace ?? change.namespace;
      const pod = inv.kind === "Pod" && inv.name ? source.get(RESOURCES.pods, ns, inv.name) : undefined;
      const deployment = (pod && new DeploymentOwners(source).deploymentOf(pod)) ?? "";
      counter.inc({ namespace: ns, deployment, probe_type: probeTypeOf(ev.message)! }, n);
    },
  };
}
