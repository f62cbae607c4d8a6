// A real Registry on a real SQLite store in a temp dir, with the system namespaces, for
// controller tests; plus small helpers to play the node agent's part (pod status, leases).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allKinds } from "../../../src/api/kinds/index.ts";
import type { KindDef, KubeObject } from "../../../src/api/kinds/kind.ts";
import { Registry } from "../../../src/api/registry/registry.ts";
import { nowTimestamp } from "../../../src/api/registry/metadata.ts";
import { Store } from "../../../src/store/store.ts";

export type TestCluster = {
  registry: Registry;
  kind(plural: string): KindDef;
  close(): Promise<void>;
};

export async function testCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-controllers-"));
  const store = await Store.open({ url: `file:${join(dir, "state.db")}` });
  const registry = new Registry(store, allKinds);
  const nsKind = allKinds.find((k) => k.kind === "Namespace")!;
  for (const name of ["default", "kube-system", "kube-node-lease"]) await registry.create(nsKind, "", { metadata: { name } });
  return {
    registry,
    kind(plural) {
      const k = allKinds.find((x) => x.plural === plural);
      if (!k) throw new Error(`no kind ${plural}`);
      return k;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `check` holds, polling; fails with `what` after the timeout. */
export async function eventually<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** Report a pod Running and Ready (or not ready), as a node agent would. */
export async function setPodReady(registry: Registry, pod: KubeObject, ready: boolean, ip?: string): Promise<void> {
  const pods = registry.kind("", "v1", "pods")!;
  const now = nowTimestamp();
  await registry.replace(pods, pod.metadata.namespace!, pod.metadata.name!, (cur) => {
    const p = cur!;
    const prior = ((p.status as any)?.conditions ?? []).find((c: any) => c.type === "Ready");
    const since = prior && prior.status === (ready ? "True" : "False") ? prior.lastTransitionTime : now;
    p.status = {
      ...(p.status as object),
      phase: "Running",
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      conditions: [
        { type: "Ready", status: ready ? "True" : "False", lastProbeTime: null, lastTransitionTime: since },
        { type: "ContainersReady", status: ready ? "True" : "False", lastProbeTime: null, lastTransitionTime: since },
      ],
    };
    return p;
  }, {}, "status");
}

export function podTemplate(labels: Record<string, string>, image = "localhost/app:1") {
  return { metadata: { labels }, spec: { containers: [{ name: "app", image }] } };
}

export async function readyNode(registry: Registry, name: string, opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: unknown[] } = {}): Promise<KubeObject> {
  const nodes = registry.kind("", "v1", "nodes")!;
  const allocatable = { cpu: opts.cpu ?? "4", memory: opts.memory ?? "8Gi", pods: opts.pods ?? "110" };
  const now = nowTimestamp();
  return registry.create(nodes, "", {
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...(opts.labels ?? {}) } },
    spec: opts.taints ? { taints: opts.taints } : {},
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  });
}

/** Plays the node agents: every new pod turns Ready shortly after it is created, unless labelled stuck. Returns the stop function. */
export function fakeKubelet(registry: Registry, delayMs = 30): () => void {
  const pods = registry.kind("", "v1", "pods")!;
  const timers = new Set<Timer>();
  const off = registry.subscribe((ch) => {
    if (ch.resource !== "pods" || ch.type !== "ADDED" || ch.object.metadata.labels?.stuck) return;
    const t = setTimeout(() => {
      timers.delete(t);
      const p = registry.tryGet(pods, ch.object.metadata.namespace!, ch.object.metadata.name!);
      if (p && !p.metadata.deletionTimestamp) void setPodReady(registry, p, true).catch(() => {});
    }, delayMs);
    timers.add(t);
  });
  return () => {
    off();
    for (const t of timers) clearTimeout(t);
  };
}
