// skiff as one churn stack: `skiff server` with its embedded agent (podman or containerd)
// inside the bench's network namespace, driven through the Kubernetes API with a
// Deployment. Every runtime command the agent runs is logged through PATH wrappers, and a
// pod watch notes each pod's steps, so each operation can say where its time went.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { ApiClient, resources } from "../../../src/client/api-client.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../../support/process.ts";
import { tempDir } from "../../support/server.ts";
import { TEST_IMAGE_1, TEST_IMAGE_2, testImageArchive } from "../../support/images.ts";
import { createCommandLog, readCommandLog, commandLogLength, wrappedPath, type CommandLog } from "./agent-command-log.ts";
import { stackPids } from "./churn-proc-set.ts";
import { readCpu } from "./agent-proc-stats.ts";
import { PodTrace } from "./churn-trace.ts";
import { CHURN_COMMAND, CHURN_NAME, ROLL_BATCH, until, type ChurnStack, type OpResult } from "./churn-workload.ts";

const deployments = { group: "apps", version: "v1", plural: "deployments", namespaced: true };
const replicasets = { group: "apps", version: "v1", plural: "replicasets", namespaced: true };
const NS = "default";
export const CHURN_NODE = "churn-node";

type DeploymentLike = { metadata: { generation?: number }; spec: { replicas?: number }; status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number } };

export async function startSkiffStack(opts: { runtime: "podman" | "containerd"; prefer: "binary" | "source"; port: number; log: (line: string) => void }): Promise<ChurnStack & { dataDir: string }> {
  const dataDir = tempDir("skiff-bench-churn-");
  const toolsDir = tempDir("skiff-bench-churn-tools-");
  mkdirSync(join(dataDir, "agent", "images"), { recursive: true });
  for (const v of [1, 2] as const) {
    const archive = await testImageArchive(v);
    copyFileSync(archive, join(dataDir, "agent", "images", basename(archive)));
  }
  const commands: CommandLog = createCommandLog(toolsDir, ["podman", "ctr"]);
  let server: SkiffProcess | undefined;
  let trace: PodTrace | undefined;
  const close = async () => {
    await trace?.close();
    if (server && server.proc.exitCode === null) {
      server.proc.kill("SIGTERM");
      const done = await Promise.race([server.proc.exited.then(() => true), Bun.sleep(12_000).then(() => false)]);
      if (!done) {
        server.proc.kill("SIGKILL");
        await server.proc.exited;
      }
    }
    // Containers and network pieces of the node, then its files.
    const p = Bun.spawn([...skiffCommand("source"), "killall", "--data-dir", dataDir], { stdout: "ignore", stderr: "ignore" });
    await Promise.race([p.exited, Bun.sleep(120_000)]);
    if (p.exitCode === null) p.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(toolsDir, { recursive: true, force: true });
  };
  try {
    server = spawnSkiff(
      skiffCommand(opts.prefer),
      ["server", "--data-dir", dataDir, "--https-listen-port", String(opts.port), "--bind-address", "127.0.0.1", "--node-name", CHURN_NODE, "--agent-port", String(opts.port + 1), "--runtime", opts.runtime],
      { PATH: wrappedPath(commands) },
    );
    await server.waitFor(/ready at/, 180_000);
    const cfg = parse(readFileSync(join(dataDir, "kubeconfig.yaml"), "utf8"));
    const cluster = cfg.clusters[0].cluster;
    const client = new ApiClient(cluster.server, cfg.users[0].user.token, Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8"));
    await until("node Ready", async () => {
      const node = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(resources.nodes, undefined, CHURN_NODE).catch(() => undefined);
      return !!node?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    }, 120_000, 500);
    // Both images loaded from the folder before the agent reported ready.
    trace = new PodTrace(client, NS);
    await trace.start();
    const serverPid = server.proc.pid;
    opts.log(`skiff (${opts.runtime}) ready, pid ${serverPid}, data ${dataDir}`);

    const podCount = async () => (await client.list(resources.pods, NS)).items.length;
    const deployment = () => client.get<DeploymentLike>(deployments, NS, CHURN_NAME).catch(() => undefined);
    const converged = (want: number) => async () => {
      const d = await deployment();
      const s = d?.status ?? {};
      if (!d || (s.observedGeneration ?? 0) < (d.metadata.generation ?? 1)) return false;
      const settled = (s.replicas ?? 0) === want && (s.updatedReplicas ?? 0) === want && (s.readyReplicas ?? 0) === want && (s.availableReplicas ?? 0) === want;
      return settled && (await podCount()) === want;
    };
    /** Runs one operation, timed from the API call until `done`, with the trace of what happened meanwhile. */
    const timed = async (act: () => Promise<unknown>, done: () => Promise<boolean>): Promise<OpResult> => {
      const mark = commandLogLength(commands);
      trace!.reset();
      const startEpoch = Date.now();
      const cpu0 = readCpu(serverPid);
      const t0 = performance.now();
      await act();
      await until("the operation to finish", done);
      const ms = performance.now() - t0;
      const cpu1 = readCpu(serverPid);
      await Bun.sleep(300); // the last watch events and command log lines
      const cpuLine = `skiff process CPU meanwhile: ${((cpu1.ownTicks - cpu0.ownTicks) / 100).toFixed(2)} s of its own (API, controllers, scheduler, agent), ${((cpu1.childTicks - cpu0.childTicks) / 100).toFixed(2)} s in the runtime commands it reaped`;
      return { ms, breakdown: [cpuLine, ...trace!.breakdown(readCommandLog(commands, mark), startEpoch)] };
    };
    let replicas = 0;

    return {
      name: `skiff (${opts.runtime})`,
      dataDir,
      deploy(n) {
        replicas = n;
        const body = {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: CHURN_NAME, namespace: NS },
          spec: {
            replicas: n,
            selector: { matchLabels: { app: CHURN_NAME } },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: ROLL_BATCH, maxUnavailable: 0 } },
            template: { metadata: { labels: { app: CHURN_NAME } }, spec: { containers: [{ name: "main", image: TEST_IMAGE_1, command: CHURN_COMMAND }] } },
          },
        };
        return timed(() => client.create(deployments, NS, body), converged(n));
      },
      roll() {
        return timed(
          () => client.patch(deployments, NS, CHURN_NAME, { spec: { template: { spec: { containers: [{ name: "main", image: TEST_IMAGE_2 }] } } } }, "strategic"),
          converged(replicas),
        );
      },
      stop() {
        return timed(() => client.patch(deployments, NS, CHURN_NAME, { spec: { replicas: 0 } }, "merge"), async () => (await podCount()) === 0);
      },
      async reset() {
        await client.delete(deployments, NS, CHURN_NAME, { propagationPolicy: "Foreground" }).catch(() => {});
        await until("the deployment and its pods to be gone", async () => !(await deployment()) && (await podCount()) === 0 && (await client.list(replicasets, NS)).items.length === 0, 180_000, 250);
      },
      pids: () => stackPids([serverPid], [dataDir]),
      close,
    };
  } catch (e) {
    if (server) opts.log(`skiff output (tail):\n${server.output().slice(-3000)}`);
    await close();
    throw e;
  }
}
