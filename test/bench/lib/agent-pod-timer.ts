// Runs inside the benchmark's network namespace (where the API server listens on
// 127.0.0.1) and times pods from create to Ready, as seen through a watch.
//   bun agent-pod-timer.ts KUBECONFIG start sequential|parallel COUNT PREFIX IMAGE
//   bun agent-pod-timer.ts KUBECONFIG delete-all
// Prints one JSON line on stdout. Every wait is bounded.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ApiClient, resources, type WatchEvent } from "../../../src/client/api-client.ts";

const NAMESPACE = "default";
const RUN_LIMIT_MS = 300_000;

function clientFrom(kubeconfigPath: string): ApiClient {
  const cfg = parse(readFileSync(kubeconfigPath, "utf8"));
  const cluster = cfg.clusters[0].cluster;
  const ca = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
  return new ApiClient(cluster.server, cfg.users[0].user.token, ca);
}

type PodLike = {
  metadata: { name?: string; resourceVersion?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
};

/** When the watch first showed each step of a pod's start (performance.now() of this process). */
type Milestones = { scheduled?: number; running?: number; ready?: number };

const isReady = (p: PodLike) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** A pod of the benchmark: one busybox container sleeping, no probes, quick to delete. */
function benchPod(name: string, image: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { "skiff-bench": "agent" } },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "main", image, command: ["sleep", "3600"] }] },
  };
}

/**
 * Watches pods from the current revision and resolves each name's promise at the moment
 * its Ready condition first turns True.
 */
async function readyWatcher(client: ApiClient, signal: AbortSignal) {
  const list = await client.list<PodLike>(resources.pods, NAMESPACE);
  const milestones = new Map<string, Milestones>();
  const waiters = new Map<string, (t: number) => void>();
  const seen = (p: PodLike) => {
    const name = p.metadata.name!;
    const t = performance.now();
    let m = milestones.get(name);
    if (!m) milestones.set(name, (m = {}));
    if (p.spec?.nodeName) m.scheduled ??= t;
    if (p.status?.phase === "Running") m.running ??= t;
    if (!isReady(p) || m.ready !== undefined) return;
    m.ready = t;
    waiters.get(name)?.(t);
  };
  for (const p of list.items) seen(p);
  const loop = (async () => {
    let rv = list.metadata.resourceVersion;
    while (!signal.aborted) {
      try {
        for await (const ev of client.watch(resources.pods, NAMESPACE, { resourceVersion: rv }, signal) as AsyncGenerator<WatchEvent>) {
          const p = ev.object as PodLike;
          if (p.metadata?.resourceVersion) rv = p.metadata.resourceVersion;
          if (ev.type === "ADDED" || ev.type === "MODIFIED") seen(p);
        }
      } catch (e) {
        if (signal.aborted) return;
        process.stderr.write(`watch restarted: ${(e as Error).message}\n`);
        await Bun.sleep(100);
      }
    }
  })();
  return {
    loop,
    milestones,
    readyAt(name: string): Promise<number> {
      const t = milestones.get(name)?.ready;
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve) => waiters.set(name, resolve));
    },
  };
}

function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, Bun.sleep(ms).then(() => Promise.reject(new Error(`timed out after ${ms} ms waiting for ${what}`)))]);
}

async function startPods(client: ApiClient, mode: string, count: number, prefix: string, image: string) {
  const ac = new AbortController();
  const watcher = await readyWatcher(client, ac.signal);
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
  // Per pod, milliseconds after its create request: accepted, bound to the node, Running, Ready.
  const steps: { name: string; createEpochMs: number; created: number; scheduled: number; running: number; ready: number }[] = [];
  const one = async (name: string) => {
    const t0 = performance.now();
    await client.create(resources.pods, NAMESPACE, benchPod(name, image));
    const created = performance.now() - t0;
    const t1 = await deadline(watcher.readyAt(name), RUN_LIMIT_MS, `pod ${name} Ready`);
    const m = watcher.milestones.get(name)!;
    steps.push({ name, createEpochMs: performance.timeOrigin + t0, created, scheduled: (m.scheduled ?? t1) - t0, running: (m.running ?? t1) - t0, ready: t1 - t0 });
    return t1 - t0;
  };
  const t0 = performance.now();
  const latenciesMs: number[] = [];
  try {
    if (mode === "sequential") {
      for (const n of names) latenciesMs.push(await one(n));
    } else if (mode === "parallel") {
      latenciesMs.push(...(await Promise.all(names.map(one))));
    } else {
      throw new Error(`unknown mode ${mode}`);
    }
  } finally {
    ac.abort();
  }
  return { names, latenciesMs, steps, totalMs: performance.now() - t0 };
}

/** Deletes every pod of the namespace and waits until the server has none left. */
async function deleteAll(client: ApiClient) {
  const t0 = performance.now();
  const list = await client.list<PodLike>(resources.pods, NAMESPACE);
  await Promise.all(list.items.map((p) => client.delete(resources.pods, NAMESPACE, p.metadata.name!).catch(() => undefined)));
  const end = Date.now() + RUN_LIMIT_MS;
  for (;;) {
    const left = (await client.list<PodLike>(resources.pods, NAMESPACE)).items.length;
    if (left === 0) break;
    if (Date.now() > end) throw new Error(`${left} pods still there after ${RUN_LIMIT_MS} ms`);
    await Bun.sleep(250);
  }
  return { deleted: list.items.length, totalMs: performance.now() - t0 };
}

const [kubeconfig, command, mode, count, prefix, image] = process.argv.slice(2);
if (!kubeconfig || !command) {
  process.stderr.write("usage: agent-pod-timer.ts KUBECONFIG start MODE COUNT PREFIX IMAGE | KUBECONFIG delete-all\n");
  process.exit(2);
}
const client = clientFrom(kubeconfig);
const result = command === "delete-all" ? await deleteAll(client) : await startPods(client, mode!, Number(count), prefix!, image!);
console.log(JSON.stringify(result));
process.exit(0);
