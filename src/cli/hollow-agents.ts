// `skiff hollow-agents`: a test and benchmark tool (as kubemark's hollow nodes): one process
// simulating N agents that join a server with a token and behave on the wire as `skiff
// agent` does, without containers. See src/hollow/wire-agent.ts.
import { join } from "node:path";
import { JoinRefused } from "../agent/credentials.ts";
import { defaultServerOptions } from "../server/options.ts";
import { WireFleet } from "../hollow/wire-fleet.ts";
import { intFlag, parseFlags } from "./flags.ts";
import { handleShutdownSignals } from "./shutdown-signals.ts";

const help = `Usage: skiff hollow-agents --server https://HOST:PORT --token TOKEN --count N [flags]

Simulates N node agents in one process (for tests and benchmarks): each joins with the token,
registers its Node, renews its Lease, watches the pods bound to it and reports them Running
and Ready through pods/status, and confirms their deletion. No containers run.

  --server URL              the API server to join
  --token TOKEN             a join token
  --count N                 how many agents
  --pods-per-node P         each Node's pod capacity (default 110)
  --name-prefix P           node names are P0, P1, … (default hollow-)
  --lease-renew-seconds N   how often each Lease is renewed (default 10)
  --data-dir DIR            where the nodes' credentials are kept (default DATA/hollow-agents)
  --max-in-flight N         requests in flight across all agents, watches aside (default 128;
                            Lease renewals have half as many of their own)
  --join-concurrency N      joins in flight (default 16)
  --report-seconds N        print the fleet's counters and latencies as a JSON line this often (default 10)
`;

/** Fetch's limit on requests in flight (watches included) is read once, from the environment, when the process starts. */
const MAX_HTTP_REQUESTS = "BUN_CONFIG_MAX_HTTP_REQUESTS";

export async function run(args: string[]): Promise<number> {
  // A load tool: its hot paths are compiled from the start (the executable starts with a reluctant JIT).
  Bun.unsafe.setJITPolicy(1);
  let values;
  try {
    values = parseFlags(args, {
      server: { type: "string" },
      token: { type: "string" },
      count: { type: "string" },
      "pods-per-node": { type: "string" },
      "name-prefix": { type: "string" },
      "lease-renew-seconds": { type: "string" },
      "data-dir": { type: "string" },
      "max-in-flight": { type: "string" },
      "join-concurrency": { type: "string" },
      "report-seconds": { type: "string" },
    }).values;
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    if (!values.server || !values.token || !values.count) throw new Error("--server, --token and --count are required");
    if (!/^[a-z0-9]([-a-z0-9]*)?$/.test(values["name-prefix"] ?? "hollow-")) throw new Error("--name-prefix must be lowercase letters, digits and dashes");
  } catch (e) {
    process.stderr.write(`skiff hollow-agents: ${(e as Error).message}\n\n${help}`);
    return 2;
  }
  let count: number, maxInFlight: number, reportSeconds: number, fleetOpts;
  try {
    count = intFlag(values.count, "count", 0);
    maxInFlight = Math.max(1, intFlag(values["max-in-flight"], "max-in-flight", 128));
    reportSeconds = intFlag(values["report-seconds"], "report-seconds", 10);
    fleetOpts = {
      podsPerNode: intFlag(values["pods-per-node"], "pods-per-node", 110),
      leaseRenewSeconds: Math.max(1, intFlag(values["lease-renew-seconds"], "lease-renew-seconds", 10)),
      joinConcurrency: Math.max(1, intFlag(values["join-concurrency"], "join-concurrency", 16)),
    };
  } catch (e) {
    process.stderr.write(`skiff hollow-agents: ${(e as Error).message}\n`);
    return 2;
  }
  // Every agent holds a watch: fetch must allow them all, plus the shared requests.
  const needed = count + Math.ceil(maxInFlight * 1.5) + 64;
  if (Number(process.env[MAX_HTTP_REQUESTS] ?? 256) < needed) return relaunchWith({ [MAX_HTTP_REQUESTS]: String(Math.min(needed, 65_535)) });

  const shutdown = handleShutdownSignals("skiff hollow-agents");
  const fleet = new WireFleet({
    server: values.server.replace(/\/$/, ""),
    joinToken: values.token,
    count,
    namePrefix: values["name-prefix"] ?? "hollow-",
    dataDir: values["data-dir"] ?? join(defaultServerOptions().dataDir, "hollow-agents"),
    maxInFlight,
    signal: shutdown.signal,
    log: (line) => console.log(line),
    ...fleetOpts,
  });
  const report = reportSeconds ? setInterval(() => console.log(JSON.stringify({ hollow: fleet.stats.report() })), reportSeconds * 1000) : undefined;
  const parentGone = watchParent();
  shutdown.onStop(async () => {
    clearInterval(report);
    clearInterval(parentGone);
    fleet.stop();
  });
  const started = performance.now();
  try {
    await fleet.start();
  } catch (e) {
    if (shutdown.signal.aborted) return shutdown.done;
    process.stderr.write(`skiff hollow-agents: ${e instanceof JoinRefused ? "" : "cannot start: "}${(e as Error).message}\n`);
    fleet.stop();
    clearInterval(report);
    clearInterval(parentGone);
    return 1;
  }
  if (!shutdown.signal.aborted) console.log(`skiff hollow-agents ready: ${count} nodes joined and registered in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return shutdown.done;
}

/** Runs this command again in a child whose environment carries `env`, passing signals on; resolves to its exit code. */
async function relaunchWith(env: Record<string, string>): Promise<number> {
  // A compiled binary's argv[1] is its embedded entry point; from source it is main.ts.
  const compiled = Bun.main.startsWith("/$bunfs/");
  const cmd = [process.execPath, ...(compiled ? [] : [process.argv[1]!]), ...process.argv.slice(2)];
  const child = Bun.spawn(cmd, { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => child.kill(sig));
  const code = await child.exited;
  return child.signalCode ? 128 + (child.signalCode === "SIGKILL" ? 9 : 15) : code;
}

/** A relaunched child ends when its parent is gone (killed with SIGKILL, it could not pass a signal on). */
function watchParent(): Timer | undefined {
  const parent = process.ppid;
  if (parent <= 1) return undefined;
  return setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000);
}
