// `skiff hollow-agents` at small scale against a real server (SQLite, --disable-agent):
// 20 hollow agents join with the join token, each with its own credential; their Nodes go
// Ready and hold Leases; a Deployment's pods are bound to them and reported Running and
// Ready by them, a Job's pod Succeeded; a deleted pod is confirmed gone by its node; SIGTERM
// stops the process (and the child it relaunched itself into) within 10 s.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir } from "../support/server.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { kubectlOk } from "../support/kubectl.ts";
import { signalAndWait } from "../support/exit.ts";
import { eventually } from "../support/cluster.ts";

const COUNT = 20;
let dir: string;
let port: number;
let server: SkiffProcess;
let hollow: SkiffProcess | undefined;
let kubeconfig: string;

type Pod = { metadata: { name: string; uid: string }; spec: { nodeName?: string }; status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] } };
const k = (args: string[]) => kubectlOk(kubeconfig, args);
const json = async <T>(args: string[]) => JSON.parse(await k([...args, "-o", "json"])) as T;
const ready = (o: { status?: { conditions?: { type: string; status: string }[] } }) => !!o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");

beforeAll(async () => {
  dir = tempDir("skiff-hollow-agents-");
  port = freePort();
  server = spawnSkiff(skiffCommand("source"), ["server", "--data-dir", join(dir, "server"), "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent"]);
  await server.waitFor(/ready at/, 60_000);
  kubeconfig = join(dir, "server", "kubeconfig.yaml");
});

afterAll(async () => {
  if (hollow && hollow.proc.exitCode === null) await signalAndWait(hollow.proc, "SIGKILL");
  if (server) await signalAndWait(server.proc, "SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("skiff hollow-agents", () => {
  test("20 agents join, go Ready, run and delete pods over the API, and stop on SIGTERM", async () => {
    const token = readFileSync(join(dir, "server", "server", "token"), "utf8").trim();
    // 200 requests in flight + 20 watches is past fetch's default of 256: the command relaunches itself with a larger limit.
    hollow = spawnSkiff(skiffCommand("source"), ["hollow-agents", "--server", `https://127.0.0.1:${port}`, "--token", token, "--count", String(COUNT), "--data-dir", join(dir, "hollow"), "--max-in-flight", "200", "--report-seconds", "2", "--pods-per-node", "8"]);
    await hollow.waitFor(/hollow-agents ready: 20 nodes joined/, 60_000);

    type Node = { metadata: { name: string; labels: Record<string, string> }; status: { capacity: Record<string, string>; conditions?: { type: string; status: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } };
    const nodes = await eventually("20 Ready hollow nodes", async () => {
      const list = (await json<{ items: Node[] }>(["get", "nodes", "-l", "skiff.io/hollow-agent=true"])).items;
      return list.length === COUNT && list.every(ready) ? list : undefined;
    }, 30_000);
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `hollow-${i}`).sort());
    expect(nodes[0]!.status.capacity.pods).toBe("8");
    // No agent port is advertised: nothing on the server dials a hollow node.
    expect(nodes[0]!.status.daemonEndpoints?.kubeletEndpoint?.Port ?? 0).toBe(0);
    const leases = (await json<{ items: { metadata: { name: string }; spec: { holderIdentity: string; renewTime: string } }[] }>(["get", "leases", "-n", "kube-node-lease"])).items;
    expect(leases.filter((l) => l.metadata.name.startsWith("hollow-") && l.spec.holderIdentity === l.metadata.name).length).toBe(COUNT);

    // One credential per node, kept for a restart of the fleet.
    const credFile = readdirSync(join(dir, "hollow")).find((f) => f.startsWith("credentials-"))!;
    const creds = JSON.parse(readFileSync(join(dir, "hollow", credFile), "utf8")) as Record<string, { token: string }>;
    expect(new Set(Object.values(creds).map((c) => c.token)).size).toBe(COUNT);

    await k(["create", "deployment", "web", "--image=busybox", "--replicas=40", "--", "sleep", "3600"]);
    const pods = await eventually("40 pods Running and Ready on hollow nodes", async () => {
      const items = (await json<{ items: Pod[] }>(["get", "pods", "-l", "app=web"])).items;
      return items.length === 40 && items.every((p) => p.status?.phase === "Running" && ready(p) && p.spec.nodeName?.startsWith("hollow-") && p.status.podIP) ? items : undefined;
    }, 60_000);
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBeGreaterThan(1);
    await k(["rollout", "status", "deployment/web", "--timeout=60s"]);

    // kubectl delete waits (default grace period) until the node confirms the pod is gone.
    const victim = pods[0]!;
    const started = Date.now();
    await k(["delete", "pod", victim.metadata.name, "--timeout=30s"]);
    expect(Date.now() - started).toBeLessThan(30_000);
    await eventually("the replacement Running", async () => {
      const items = (await json<{ items: Pod[] }>(["get", "pods", "-l", "app=web"])).items;
      return items.length === 40 && !items.some((p) => p.metadata.uid === victim.metadata.uid) && items.every((p) => p.status?.phase === "Running") ? true : undefined;
    }, 30_000);

    await k(["create", "job", "once", "--image=busybox", "--", "true"]);
    await k(["wait", "--for=condition=Complete", "job/once", "--timeout=60s"]);

    // The agents' own report (the next one printed): leases renewed, no request failed.
    const seen = hollow.output().length;
    await eventually("a report from the fleet", async () => (/^\{"hollow":/m.test(hollow!.output().slice(seen)) ? true : undefined), 10_000, 200);
    const reports = [...hollow.output().matchAll(/^\{"hollow":(.*)\}$/gm)].map((m) => JSON.parse(m[1]!) as { leaseRenewals: number; leaseFailures: number; requestErrors: number; podsRunning: number });
    expect(reports.length).toBeGreaterThan(0);
    const last = reports.at(-1)!;
    expect(last.leaseRenewals).toBeGreaterThanOrEqual(COUNT);
    expect(last.leaseFailures).toBe(0);
    expect(last.requestErrors).toBe(0);

    const child = Number(Bun.spawnSync(["pgrep", "-P", String(hollow.proc.pid)]).stdout.toString().trim().split("\n")[0]);
    expect(child).toBeGreaterThan(0);
    const stopped = await signalAndWait(hollow.proc, "SIGTERM");
    expect(stopped.ms).toBeLessThan(10_000);
    expect(stopped.code).toBe(0);
    let childAlive = true;
    try {
      process.kill(child, 0);
    } catch {
      childAlive = false;
    }
    expect(childAlive).toBe(false);
  }, 240_000);
});
