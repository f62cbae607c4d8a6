// In-process hollow nodes, for controller benchmarks only: simulated nodes inside the server
// process that write straight into the registry (no HTTP, no credentials; what a fleet does
// to a server over the wire is `skiff hollow-agents`, src/hollow/wire-agent.ts). They
// register through the registry, hold and renew their Leases, and report the pods bound to
// them Running and Ready without any container, with addresses from a fake range; pods
// that run to completion (restartPolicy Never/OnFailure) finish at once.
import type { KubeObject } from "../api/kinds/kind.ts";
import type { Registry } from "../api/registry/registry.ts";
import { nowTimestamp } from "../api/registry/metadata.ts";

export type HollowNodeOptions = {
  count: number;
  namePrefix?: string;
  leaseRenewMs?: number;
  capacity?: { cpu: string; memory: string; pods: string };
};

export type HollowNodes = { names: string[]; stop(): Promise<void> };

const LABEL = "skiff.io/hollow-node";
/** On a pod that runs to completion (restartPolicy Never/OnFailure): the exit code its containers end with (default 0). */
export const HOLLOW_EXIT_CODE = "skiff.io/hollow-exit-code";

const runsToCompletion = (p: KubeObject) => ((p.spec as { restartPolicy?: string }).restartPolicy ?? "Always") !== "Always";
const isFinished = (p: KubeObject) => ["Succeeded", "Failed"].includes((p.status as { phase?: string } | undefined)?.phase ?? "");

/** A run-to-completion pod finishes as soon as it starts: Succeeded, or Failed with the annotated exit code. */
function finishedStatus(pod: KubeObject, containers: { name: string; image: string }[], now: string, ip: string) {
  const exitCode = Number(pod.metadata.annotations?.[HOLLOW_EXIT_CODE] ?? 0) || 0;
  const reason = exitCode === 0 ? "Completed" : "Error";
  return {
    phase: exitCode === 0 ? "Succeeded" : "Failed",
    hostIP: "192.0.2.1",
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    conditions: ["Initialized", "ContainersReady", "Ready"].map((type) => ({ type, status: type === "Initialized" ? "True" : "False", reason: type === "Initialized" ? undefined : "PodCompleted", lastProbeTime: null, lastTransitionTime: now })),
    containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: "", ready: false, started: false, restartCount: 0, state: { terminated: { exitCode, reason, startedAt: now, finishedAt: now } } })),
  };
}

export async function startHollowNodes(registry: Registry, opts: HollowNodeOptions): Promise<HollowNodes> {
  const nodeKind = registry.kind("", "v1", "nodes")!;
  const podKind = registry.kind("", "v1", "pods")!;
  const leaseKind = registry.kind("coordination.k8s.io", "v1", "leases")!;
  const prefix = opts.namePrefix ?? "hollow-node-";
  const renewMs = opts.leaseRenewMs ?? 10_000;
  const capacity = opts.capacity ?? { cpu: "32", memory: "128Gi", pods: "110" };
  const names = Array.from({ length: opts.count }, (_, i) => `${prefix}${i}`);
  const hollow = new Set(names);
  const renewTime = () => new Date().toISOString().replace(/Z$/, "000Z");

  await Promise.all(
    names.map(async (name) => {
      const now = nowTimestamp();
      if (!registry.tryGet(nodeKind, "", name)) {
        await registry.create(nodeKind, "", {
          metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", [LABEL]: "true" } },
          spec: {},
          status: {
            capacity,
            allocatable: capacity,
            conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
            addresses: [{ type: "Hostname", address: name }],
            nodeInfo: { kubeletVersion: "hollow", osImage: "hollow", containerRuntimeVersion: "hollow://0", operatingSystem: "linux", architecture: "amd64" },
          },
        });
      }
      const spec = { holderIdentity: name, leaseDurationSeconds: Math.ceil(renewMs / 1000) * 4, renewTime: renewTime() };
      if (registry.tryGet(leaseKind, "kube-node-lease", name)) await registry.replace(leaseKind, "kube-node-lease", name, (l) => ({ ...l!, spec }));
      else await registry.create(leaseKind, "kube-node-lease", { metadata: { name }, spec });
    }),
  );

  // Renew a tenth of the leases every tenth of the period, so writes are spread evenly.
  let slice = 0;
  const renewer = setInterval(() => {
    const part = names.filter((_, i) => i % 10 === slice);
    slice = (slice + 1) % 10;
    for (const name of part) {
      void registry.replace(leaseKind, "kube-node-lease", name, (l) => ({ ...l!, spec: { ...(l!.spec as object), renewTime: renewTime() } })).catch(() => {});
    }
  }, renewMs / 10);

  // Pod "runtime": bound pods start at once; pods being deleted are confirmed gone.
  let nextIp = 0;
  const fakeIp = () => {
    const n = nextIp++;
    return `10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`;
  };
  const work = new Map<string, KubeObject>();
  let draining: Promise<void> | undefined;
  const drain = async () => {
    while (work.size) {
      // Take the first 256 without copying the whole backlog each round.
      const batch: KubeObject[] = [];
      for (const [k, p] of work) {
        if (batch.length >= 256) break;
        batch.push(p);
        work.delete(k);
      }
      await Promise.all(batch.map((p) => act(p).catch(() => {})));
    }
    draining = undefined;
  };
  async function act(p: KubeObject) {
    const ns = p.metadata.namespace!;
    const name = p.metadata.name!;
    if (p.metadata.deletionTimestamp) {
      await registry.delete(podKind, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
      return;
    }
    const now = nowTimestamp();
    const ip = fakeIp();
    await registry.replace(podKind, ns, name, (cur) => {
      const pod = cur!;
      const containers = ((pod.spec as { containers?: { name: string; image: string }[] }).containers ?? []);
      if (runsToCompletion(pod)) {
        pod.status = finishedStatus(pod, containers, now, ip);
        return pod;
      }
      const kept = (((pod.status as { conditions?: { type: string }[] } | undefined)?.conditions) ?? []).filter((c) => !["Ready", "ContainersReady", "Initialized"].includes(c.type));
      pod.status = {
        ...(pod.status as object),
        phase: "Running",
        hostIP: "192.0.2.1",
        podIP: ip,
        podIPs: [{ ip }],
        startTime: now,
        conditions: [...kept, ...["Initialized", "ContainersReady", "Ready"].map((type) => ({ type, status: "True", lastProbeTime: null, lastTransitionTime: now }))],
        containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
      };
      return pod;
    }, {}, "status");
  }
  const unsubscribe = registry.subscribe((c) => {
    if (c.resource !== "pods" || c.type === "DELETED") return;
    const p = c.object;
    const node = (p.spec as { nodeName?: string }).nodeName;
    if (!node || !hollow.has(node)) return;
    // Like a kubelet's status sync: a pod not reported Running and Ready (e.g. marked not
    // ready while this node's lease was late) is reported again.
    const status = p.status as { phase?: string; conditions?: { type: string; status: string }[] } | undefined;
    const healthy = status?.phase === "Running" && (status.conditions ?? []).some((x) => x.type === "Ready" && x.status === "True");
    if ((healthy || isFinished(p)) && !p.metadata.deletionTimestamp) return;
    work.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
    draining ??= drain();
  });

  return {
    names,
    async stop() {
      clearInterval(renewer);
      unsubscribe();
      await draining;
    },
  };
}
