// `skiff agent`: join a node to a cluster and run its pods.
import os from "node:os";
import { Agent } from "../agent/agent.ts";
import { parseServerFlags } from "../agent/server-list.ts";
import { JoinRefused } from "../agent/credentials.ts";
import { RuntimeError } from "../agent/runtime/errors.ts";
import { parseRuntimeChoice } from "../agent/runtime/factory.ts";
import { ApiRequestError } from "../client/api-client.ts";
import { defaultServerOptions } from "../server/options.ts";
import { intFlag, parseFlags } from "./flags.ts";
import { settleAfterStartup } from "./settle.ts";
import { handleShutdownSignals } from "./shutdown-signals.ts";
import { StartInterrupted } from "../lifecycle/closers.ts";

const help = `Usage: skiff agent --server https://HOST:PORT --token TOKEN [flags]

  --server URL            the API server to join; repeat it (or give a comma list) for the servers of an
                          HA cluster: the agent fails over between them, and learns the others from
                          the kubernetes Endpoints
  --token TOKEN           a join token (K10<ca hash>::server:<secret>, or one from "skiff token create")
  --data-dir DIR          this node's state (default /var/lib/skiff as root, ~/.skiff otherwise)
  --node-name NAME        this node's name (default: the host name)
  --node-label k=v        a label for the Node (repeatable)
  --node-ip IP            the address other nodes and the server reach this node on
  --runtime R             the container runtime: podman, containerd or auto (default auto: podman
                          when installed, else containerd)
  --container-runtime-endpoint SOCK
                          use this running containerd (otherwise the agent runs its own under DIR/agent/containerd)
  --agent-port PORT       HTTPS port for logs, exec and metrics (default 10250)
  --bind-address ADDR     address of the agent port (default 0.0.0.0)
  --lease-renew-seconds N how often the node's Lease is renewed (default 10)
  --metrics-anonymous     serve /metrics without a token
  --flannel-backend B     pod network across nodes: vxlan (default), host-gw or none
  --cluster-cidr CIDR     the cluster's pod range (default 10.42.0.0/16)
  --disable-kube-proxy    do not program service virtual IPs on this node
`;

export async function run(args: string[]): Promise<number> {
  let values;
  let servers: string[] = [];
  try {
    values = parseFlags(args, {
      server: { type: "string", multiple: true },
      token: { type: "string" },
      "data-dir": { type: "string" },
      "node-name": { type: "string" },
      "node-label": { type: "string", multiple: true },
      "node-ip": { type: "string" },
      runtime: { type: "string" },
      "container-runtime-endpoint": { type: "string" },
      "agent-port": { type: "string" },
      "bind-address": { type: "string" },
      "lease-renew-seconds": { type: "string" },
      "metrics-anonymous": { type: "boolean" },
      "flannel-backend": { type: "string" },
      "cluster-cidr": { type: "string" },
      "disable-kube-proxy": { type: "boolean" },
    }).values;
    if (values["flannel-backend"] && !["vxlan", "host-gw", "none"].includes(values["flannel-backend"])) throw new Error(`--flannel-backend must be vxlan, host-gw or none`);
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    if (!values.server?.length || !values.token) throw new Error("--server and --token are required");
    servers = parseServerFlags(values.server);
    parseRuntimeChoice(values.runtime);
  } catch (e) {
    process.stderr.write(`skiff agent: ${(e as Error).message}\n\n${help}`);
    return 2;
  }
  const labels: Record<string, string> = {};
  for (const l of values["node-label"] ?? []) {
    const [k, ...v] = l.split("=");
    if (!k) {
      process.stderr.write(`skiff agent: invalid --node-label "${l}" (want key=value)\n`);
      return 2;
    }
    labels[k] = v.join("=");
  }
  const agent = new Agent({
    dataDir: values["data-dir"] ?? defaultServerOptions().dataDir,
    server: servers[0]!,
    otherServers: servers.slice(1),
    token: values.token,
    nodeName: (values["node-name"] ?? os.hostname()).toLowerCase(),
    nodeLabels: labels,
    nodeIp: values["node-ip"],
    runtime: parseRuntimeChoice(values.runtime),
    containerRuntimeEndpoint: values["container-runtime-endpoint"],
    agentPort: intFlag(values["agent-port"], "agent-port", 10250),
    agentBindAddress: values["bind-address"] ?? "0.0.0.0",
    isServer: false,
    leaseRenewSeconds: intFlag(values["lease-renew-seconds"], "lease-renew-seconds", 10),
    syncIntervalMs: 5000,
    metricsAnonymous: !!values["metrics-anonymous"],
    flannelBackend: (values["flannel-backend"] ?? "vxlan") as "vxlan",
    clusterCidr: values["cluster-cidr"] ?? "10.42.0.0/16",
    disableKubeProxy: !!values["disable-kube-proxy"],
    log: (line) => console.log(line),
  });
  // From here on a signal stops the agent, even while it is still joining or starting.
  const shutdown = handleShutdownSignals("skiff agent");
  shutdown.onStop(() => agent.stop());
  try {
    await agent.start();
  } catch (e) {
    // Stopped by a signal: the start has closed what it began; the stop reports how it went.
    if (e instanceof StartInterrupted) return shutdown.done;
    if (e instanceof JoinRefused || e instanceof RuntimeError || e instanceof ApiRequestError) {
      process.stderr.write(`skiff agent: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`skiff agent: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  console.log(`skiff agent ready: node ${agent.opts.nodeName} joined ${agent.opts.server} (runtime ${agent.runtimeVersion})`);
  settleAfterStartup();
  return shutdown.done;
}
