// Three `skiff server` processes on a real 3-member etcd, plus a node agent with real
// podman, all inside a network namespace of the test's own. Server C runs its embedded
// agent (a control-plane,etcd node); the separate agent is given server A only and learns
// B and C from the kubernetes Endpoints. A Deployment applied through A runs; SIGKILL of
// the leading server A: another takes the lease within 15 s and a scale 2 → 4 completes on
// the agents, which moved to the live servers; a watch on C sees creates made on A and B in
// order; A leaves the kubernetes Endpoints once its apiserver Lease runs out; and the leader
// metric, sampled over the whole test, never shows two leaders.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { execa } from "execa";
import { createNetns, type TestNetns } from "../support/netns.ts";
import { requireEtcd, startEtcd, type EtcdCluster } from "../support/etcd.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { eventually, unmountBelow } from "../support/cluster.ts";
import { kubectlOk, kubectlPath } from "../support/kubectl.ts";
import { testImageArchive, TEST_IMAGE_1 } from "../support/images.ts";

setDefaultTimeout(240_000);

type Server = { name: string; port: number; dir: string; proc?: SkiffProcess };

let netns: TestNetns;
let etcd: EtcdCluster;
const servers: Server[] = ["a", "b", "c"].map((n, i) => ({ name: `ha-${n}`, port: 6443 + i, dir: "" }));
const agent = { dir: "", proc: undefined as SkiffProcess | undefined };
let token = "";
/** One long-lived sampler of every server's leader_election_master_status: one line per server per second. */
let sampler: ReturnType<typeof Bun.spawn> | undefined;
let samples = "";

const kubeconfigOf = (s: Server) => join(s.dir, "kubeconfig.yaml");
const k = (s: Server, args: string[], input?: string) => kubectlOk(kubeconfigOf(s), args, { input, prefix: netns.prefix, timeoutMs: 60_000 });
const [A, B, C] = servers as [Server, Server, Server];

async function seedImages(dataDir: string) {
  const dir = join(dataDir, "agent", "images");
  mkdirSync(dir, { recursive: true });
  const archive = await testImageArchive(1);
  copyFileSync(archive, join(dir, basename(archive)));
}

async function startServer(s: Server, extra: string[]) {
  s.dir = tempDir(`skiff-${s.name}-`);
  s.proc = spawnSkiff(
    [...netns.prefix, ...skiffCommand("source")],
    ["server", "--data-dir", s.dir, "--https-listen-port", String(s.port), "--bind-address", "127.0.0.1", "--node-name", s.name, "--metrics-anonymous", "--datastore-endpoint", etcd.endpoints.join(","), ...extra],
  );
  await s.proc.waitFor(/ready at/, 120_000);
}

/** Each server's leader status now (undefined: not answering). */
async function leaderStatus(s: Server): Promise<number | undefined> {
  const r = await execa(netns.prefix[0]!, [...netns.prefix.slice(1), "curl", "-sk", "--max-time", "2", `https://127.0.0.1:${s.port}/metrics`], { reject: false });
  const m = r.stdout.match(/^leader_election_master_status\{name="skiff-controller-manager"\} (\d)/m);
  return m ? Number(m[1]) : undefined;
}

const deployment = (replicas: number) =>
  JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sleep", "3600"] }] } } },
  });

const runningPods = async (s: Server) => {
  const pods = JSON.parse(await k(s, ["get", "pods", "-l", "app=web", "-o", "json"])) as { items: { metadata: { deletionTimestamp?: string }; status?: { phase?: string } }[] };
  return pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running").length;
};

beforeAll(async () => {
  requireEtcd();
  netns = await createNetns("ha");
  etcd = await startEtcd(3, undefined, netns.prefix);
  await startServer(A, ["--disable-agent"]);
  token = readFileSync(join(A.dir, "server", "token"), "utf8").trim();
  // A leads before the others start, so the test knows whom to kill.
  await eventually("A to lead", async () => ((await leaderStatus(A)) === 1 ? true : undefined), 30_000, 200);
  await startServer(B, ["--disable-agent", "--token", token]);
  C.dir = tempDir(`skiff-${C.name}-`);
  await seedImages(C.dir);
  C.proc = spawnSkiff(
    [...netns.prefix, ...skiffCommand("source")],
    ["server", "--data-dir", C.dir, "--https-listen-port", String(C.port), "--bind-address", "127.0.0.1", "--node-name", C.name, "--metrics-anonymous", "--datastore-endpoint", etcd.endpoints.join(","), "--token", token, "--agent-port", "10250"],
  );
  await C.proc.waitFor(/ready at/, 120_000);
  agent.dir = tempDir("skiff-ha-agent-");
  await seedImages(agent.dir);
  agent.proc = spawnSkiff([...netns.prefix, ...skiffCommand("source")], ["agent", "--server", `https://127.0.0.1:${A.port}`, "--token", token, "--data-dir", agent.dir, "--node-name", "ha-agent", "--agent-port", "10251", "--bind-address", "127.0.0.1"]);
  await agent.proc.waitFor(/skiff agent ready/, 120_000);
  // Bounded: at most 300 rounds of one second.
  const urls = servers.map((s) => `https://127.0.0.1:${s.port}/metrics`).join(" ");
  sampler = Bun.spawn([...netns.prefix, "sh", "-c", `for i in $(seq 300); do for u in ${urls}; do echo "$i $u $(curl -sk --max-time 1 $u | grep '^leader_election_master_status' | cut -d' ' -f2)"; done; sleep 1; done`], { stdout: "pipe", stderr: "ignore" });
  void (async () => {
    for await (const chunk of sampler!.stdout as ReadableStream<Uint8Array>) samples += new TextDecoder().decode(chunk);
  })();
});

afterAll(async () => {
  sampler?.kill("SIGKILL");
  agent.proc?.proc.kill("SIGKILL");
  await agent.proc?.proc.exited;
  for (const s of servers) {
    s.proc?.proc.kill("SIGKILL");
    await s.proc?.proc.exited;
  }
  await etcd?.stop();
  for (const dir of [agent.dir, ...servers.map((s) => s.dir)].filter(Boolean)) {
    await execa(netns.prefix[0]!, [...netns.prefix.slice(1), ...skiffCommand("source"), "killall", "--data-dir", dir], { reject: false });
    await unmountBelow(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  await netns?.destroy();
});

describe("three servers on a 3-member etcd", () => {
  test("kubectl get nodes shows the server with its embedded agent as control-plane,etcd; the kubernetes Endpoints name every server", async () => {
    const nodes = await eventually("both nodes Ready", async () => {
      const out = await k(A, ["get", "nodes", "--no-headers"]);
      return /ha-c\s+Ready\s+control-plane,etcd/.test(out) && /ha-agent\s+Ready\s+<none>/.test(out) ? out : undefined;
    }, 90_000, 1000);
    expect(nodes).toMatch(/ha-c\s+Ready\s+control-plane,etcd/);
    // The kubernetes Endpoints name all three servers (one subset per port, all on 127.0.0.1).
    const ep = JSON.parse(await k(B, ["get", "endpoints", "kubernetes", "-o", "json"])) as { subsets: { ports: { port: number }[] }[] };
    expect(ep.subsets.map((s) => s.ports[0]!.port).sort()).toEqual([6443, 6444, 6445]);
  });

  test("a watch on C sees creates made through A and B, in order", async () => {
    const watch = Bun.spawn([...netns.prefix, kubectlPath(), "get", "configmaps", "-l", "ha-order=1", "--watch", "-o", "name", "--request-timeout", "0"], { env: { ...process.env, KUBECONFIG: kubeconfigOf(C) }, stdout: "pipe", stderr: "pipe" });
    let seen = "";
    const reading = (async () => {
      for await (const chunk of watch.stdout as ReadableStream<Uint8Array>) seen += new TextDecoder().decode(chunk);
    })();
    try {
      await Bun.sleep(1500); // the watch is open
      const names = Array.from({ length: 20 }, (_, i) => `order-${String(i).padStart(2, "0")}`);
      for (const [i, name] of names.entries()) {
        await k(i % 2 ? B : A, ["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", labels: { "ha-order": "1" } }, data: { i: String(i) } }));
      }
      const lines = await eventually("C's watch to see all 20", async () => {
        const l = seen.split("\n").filter(Boolean);
        return new Set(l).size >= 20 ? l : undefined;
      }, 30_000, 200);
      // First appearance of each name is in creation order.
      const firsts = [...new Set(lines)];
      expect(firsts).toEqual(names.map((n) => `configmap/${n}`));
    } finally {
      watch.kill("SIGKILL");
      await watch.exited;
      await reading.catch(() => undefined);
    }
  });

  test("a Deployment through A runs; after SIGKILL of the leader A another server takes the lease 15 s after A's last renewal and a scale 2 → 4 completes", async () => {
    await k(A, ["apply", "-f", "-"], deployment(2));
    await eventually("2 pods Running", async () => ((await runningPods(A)) === 2 ? true : undefined), 120_000, 1000);
    expect(await leaderStatus(A)).toBe(1);

    const killedAt = Date.now();
    A.proc!.proc.kill("SIGKILL");
    await A.proc!.proc.exited;
    const lease = async () => JSON.parse(await k(B, ["get", "lease", "-n", "kube-system", "skiff-controller-manager", "-o", "json"])) as { spec: { holderIdentity: string; acquireTime: string; renewTime: string } };
    const lastRenewal = Date.parse((await lease()).spec.renewTime);
    const newLeader = await eventually("B or C to lead", async () => {
      for (const s of [B, C]) if ((await leaderStatus(s)) === 1) return s;
      return undefined;
    }, 60_000, 200);
    console.log(`leader failover: ${newLeader.name} leads ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL of ${A.name}`);
    // By the servers' own records: the lease changed hands 15 s after A's last renewal, give or take a retry period.
    const taken = await lease();
    expect(taken.spec.holderIdentity).toStartWith(newLeader.name);
    const handover = Date.parse(taken.spec.acquireTime) - lastRenewal;
    expect(handover).toBeGreaterThanOrEqual(15_000);
    expect(handover).toBeLessThanOrEqual(17_000);

    await k(B, ["scale", "deployment", "web", "--replicas", "4"]);
    await eventually("4 pods Running", async () => ((await runningPods(C)) === 4 ? true : undefined), 120_000, 1000);
    // The agent given only A reports through B or C now: its node stays Ready past the grace period.
    await Bun.sleep(16_000);
    const nodes = await k(B, ["get", "nodes", "--no-headers"]);
    expect(nodes).toMatch(/ha-agent\s+Ready/);
    // A's apiserver Lease runs out (30 s after its last renewal): the leader takes A out of the kubernetes Endpoints.
    const ports = await eventually("A to leave the kubernetes Endpoints", async () => {
      const ep = JSON.parse(await k(B, ["get", "endpoints", "kubernetes", "-o", "json"])) as { subsets: { ports: { port: number }[] }[] };
      const p = ep.subsets.map((s) => s.ports[0]!.port).sort();
      return p.includes(A.port) ? undefined : p;
    }, 60_000, 1000);
    expect(ports).toEqual([B.port, C.port]);
  });

  test("no two servers led at the same moment over the whole test", async () => {
    const rounds = new Map<string, number>();
    for (const line of samples.split("\n")) {
      const [round, , status] = line.split(" ");
      if (round && status === "1") rounds.set(round, (rounds.get(round) ?? 0) + 1);
    }
    expect(rounds.size).toBeGreaterThan(10); // samples were taken, with a leader in them
    expect(Math.max(...rounds.values())).toBe(1);
  });
});
