// A real cluster for end-to-end tests: `skiff server` (with its embedded agent) and
// optionally more `skiff agent` processes, each with its own data dir, all inside one
// network namespace of the test's own. Test images are dropped into each node's
// air-gap image folder, as a user would.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { execa } from "execa";
import { createNetns, type TestNetns } from "./netns.ts";
import { kubectl, kubectlOk, type KubectlResult } from "./kubectl.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "./process.ts";
import { tempDir } from "./server.ts";
import { testImageArchive } from "./images.ts";

export type TestCluster = {
  netns: TestNetns;
  serverDir: string;
  server: SkiffProcess;
  port: number;
  kubeconfig: string;
  joinToken: string;
  agents: Map<string, { dir: string; proc: SkiffProcess; port: number }>;
  k(args: string[], input?: string): Promise<string>;
  kr(args: string[], input?: string): Promise<KubectlResult>;
  startServer(): Promise<void>;
  startAgent(name: string, extra?: string[]): Promise<void>;
  stop(): Promise<void>;
};

async function seedImages(dataDir: string) {
  const dir = join(dataDir, "agent", "images");
  mkdirSync(dir, { recursive: true });
  for (const v of [1, 2] as const) {
    const archive = await testImageArchive(v);
    copyFileSync(archive, join(dir, basename(archive)));
  }
}

export async function startCluster(tag: string, opts: { prefer?: "binary" | "source"; serverArgs?: string[]; setupNetns?: (netns: TestNetns) => Promise<void> } = {}): Promise<TestCluster> {
  const netns = await createNetns(tag);
  // Addresses the server needs before it starts (say, a node address pods can reach).
  await opts.setupNetns?.(netns);
  const serverDir = tempDir(`skiff-${tag}-server-`);
  await seedImages(serverDir);
  const port = 6443;
  const cmd = [...netns.prefix, ...skiffCommand(opts.prefer ?? "source")];
  const cluster: TestCluster = {
    netns,
    serverDir,
    server: undefined as unknown as SkiffProcess,
    port,
    kubeconfig: join(serverDir, "kubeconfig.yaml"),
    joinToken: "",
    agents: new Map(),
    k: (args, input) => kubectlOk(cluster.kubeconfig, args, { input, prefix: netns.prefix }),
    kr: (args, input) => kubectl(cluster.kubeconfig, args, { input, prefix: netns.prefix }),
    async startServer() {
      cluster.server = spawnSkiff(cmd, ["server", "--data-dir", serverDir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--node-name", `${tag}-server`, "--agent-port", "10250", ...(opts.serverArgs ?? [])]);
      await cluster.server.waitFor(/ready at/, 60_000);
      cluster.joinToken = readFileSync(join(serverDir, "server", "token"), "utf8").trim();
    },
    async startAgent(name, extra = []) {
      let a = cluster.agents.get(name);
      if (!a) {
        const dir = tempDir(`skiff-${tag}-${name}-`);
        await seedImages(dir);
        a = { dir, proc: undefined as unknown as SkiffProcess, port: 10250 + cluster.agents.size + 1 };
        cluster.agents.set(name, a);
      }
      a.proc = spawnSkiff(cmd, ["agent", "--server", `https://127.0.0.1:${port}`, "--token", cluster.joinToken, "--data-dir", a.dir, "--node-name", name, "--agent-port", String(a.port), "--bind-address", "127.0.0.1", ...extra]);
      await a.proc.waitFor(/skiff agent ready/, 60_000);
    },
    async stop() {
      for (const a of cluster.agents.values()) {
        a.proc?.proc.kill("SIGKILL");
        await a.proc?.proc.exited;
      }
      cluster.server?.proc.kill("SIGKILL");
      await cluster.server?.proc.exited;
      for (const dir of [serverDir, ...[...cluster.agents.values()].map((a) => a.dir)]) {
        await execa(netns.prefix[0]!, [...netns.prefix.slice(1), ...skiffCommand("source"), "killall", "--data-dir", dir], { reject: false });
        await unmountBelow(dir);
        rmSync(dir, { recursive: true, force: true });
      }
      await netns.destroy();
    },
  };
  await cluster.startServer();
  return cluster;
}

/** Podman's storage mounts under a data dir (of an agent a test started on its own) would keep it busy. */
export async function unmountBelow(dir: string) {
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "").filter((m) => m.startsWith(dir + "/"));
  for (const m of mounts.sort((a, b) => b.length - a.length)) await execa("umount", ["-l", m], { reject: false });
}

/** Poll until `fn` returns a value (not undefined), or fail with what was last seen. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await Bun.sleep(everyMs);
  }
}
