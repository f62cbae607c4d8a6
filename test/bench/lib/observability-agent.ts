// The agent's side of the cost of observability: a real `skiff agent` (with its own
// server, --disable-agent) in a network namespace of its own, running PODS real podman
// pods, and its CPU in alternating windows without and with a 1 s HTTPS scrape of its
// /metrics (--metrics-anonymous). The scraper runs inside the namespace as a separate
// process, so only the agent's own CPU (utime + stime) is compared.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { createNetns, type TestNetns } from "../../support/netns.ts";
import { kubectlOk } from "../../support/kubectl.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../../support/process.ts";
import { tempDir } from "../../support/server.ts";
import { TEST_IMAGE_1, testImageArchive } from "../../support/images.ts";
import { clockTicksPerSecond, readCpu } from "./agent-proc-stats.ts";

export type AgentScrapeCost = {
  pods: number;
  /** Percent of one core, one figure per window. */
  idle: number[];
  scraped: number[];
  scrapes: number;
  bytes: number;
};

const AGENT_PORT = 10251;
const root = join(import.meta.dir, "../../..");
const bun = join(root, "node_modules/.bin/bun");

// Fetches the agent's /metrics once a second until killed; prints the count and size on SIGTERM.
const SCRAPER = `
let n = 0, bytes = 0;
const url = "https://127.0.0.1:${AGENT_PORT}/metrics";
const timer = setInterval(async () => {
  try { const r = await fetch(url, { tls: { rejectUnauthorized: false } }); bytes = (await r.arrayBuffer()).byteLength; if (r.ok) n++; } catch {}
}, 1000);
process.on("SIGTERM", () => { clearInterval(timer); console.log(JSON.stringify({ n, bytes })); process.exit(0); });
`;

async function waitFor(what: string, fn: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(500);
  }
}

async function agentCpu(pid: number, seconds: number, hz: number): Promise<number> {
  const a = readCpu(pid);
  await Bun.sleep(seconds * 1000);
  const b = readCpu(pid);
  return ((b.ownTicks - a.ownTicks) / hz / ((b.atMs - a.atMs) / 1000)) * 100;
}

/** Rounds of (idle window, scraped window), `seconds` each, once PODS pods are Ready. */
export async function measureAgentScrapeCost(opts: { pods: number; seconds: number; rounds: number; log: (line: string) => void }): Promise<AgentScrapeCost> {
  let netns: TestNetns | undefined;
  let server: SkiffProcess | undefined;
  let agent: SkiffProcess | undefined;
  const dirs: string[] = [];
  try {
    const archive = await testImageArchive(1);
    netns = await createNetns("bobs");
    const serverDir = tempDir("skiff-bench-obs-server-");
    const agentDir = tempDir("skiff-bench-obs-agent-");
    dirs.push(serverDir, agentDir);
    mkdirSync(join(agentDir, "agent", "images"), { recursive: true });
    copyFileSync(archive, join(agentDir, "agent", "images", basename(archive)));
    const cmd = [...netns.prefix, ...skiffCommand("source")];
    const kubeconfig = join(serverDir, "kubeconfig.yaml");
    const k = (args: string[], input?: string) => kubectlOk(kubeconfig, args, { input, prefix: netns!.prefix });

    server = spawnSkiff(cmd, ["server", "--data-dir", serverDir, "--https-listen-port", "6443", "--bind-address", "127.0.0.1", "--node-name", "obs-server", "--disable-agent"]);
    await server.waitFor(/ready at/, 90_000);
    const token = readFileSync(join(serverDir, "server", "token"), "utf8").trim();
    agent = spawnSkiff(cmd, ["agent", "--server", "https://127.0.0.1:6443", "--token", token, "--data-dir", agentDir, "--node-name", "obs-node", "--agent-port", String(AGENT_PORT), "--bind-address", "127.0.0.1", "--metrics-anonymous"]);
    await agent.waitFor(/skiff agent ready/, 120_000);
    const pid = agent.proc.pid;

    const labels = { app: "obs" };
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "obs", namespace: "default" }, spec: { replicas: opts.pods, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: TEST_IMAGE_1, command: ["sleep", "3600"] }] } } } };
    await k(["apply", "-f", "-"], JSON.stringify(deployment));
    await waitFor(`${opts.pods} pods Ready`, async () => JSON.parse(await k(["get", "deployment", "obs", "-o", "json"])).status?.readyReplicas === opts.pods, 300_000);
    opts.log(`agent: ${opts.pods} pods Ready; settling 15 s`);
    await Bun.sleep(15_000);

    const hz = clockTicksPerSecond();
    const result: AgentScrapeCost = { pods: opts.pods, idle: [], scraped: [], scrapes: 0, bytes: 0 };
    for (let r = 0; r < opts.rounds; r++) {
      result.idle.push(await agentCpu(pid, opts.seconds, hz));
      const scraper = Bun.spawn([...netns.prefix, bun, "-e", SCRAPER], { stdout: "pipe", stderr: "ignore" });
      await Bun.sleep(1500); // its start-up is not the agent's
      result.scraped.push(await agentCpu(pid, opts.seconds, hz));
      scraper.kill("SIGTERM");
      const out = await new Response(scraper.stdout).text();
      const { n, bytes } = JSON.parse(out.trim() || '{"n":0,"bytes":0}') as { n: number; bytes: number };
      if (n === 0) throw new Error("the scraper got no answer from the agent's /metrics");
      result.scrapes += n;
      result.bytes = bytes;
      opts.log(`agent round ${r + 1}: idle ${result.idle.at(-1)!.toFixed(2)} %, scraped ${result.scraped.at(-1)!.toFixed(2)} % (${n} scrapes)`);
    }
    return result;
  } finally {
    for (const p of [agent, server]) {
      if (p && p.proc.exitCode === null) {
        p.proc.kill("SIGKILL");
        await p.proc.exited;
      }
    }
    if (netns && dirs[1]) {
      // Only the agent's data dir holds containers and network pieces.
      const p = Bun.spawn([...netns.prefix, ...skiffCommand("source"), "killall", "--data-dir", dirs[1]], { stdout: "ignore", stderr: "ignore" });
      await Promise.race([p.exited, Bun.sleep(120_000)]);
    }
    await netns?.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
