// `skiff server`: the control plane (and, unless --disable-agent, an agent for this node).
import { parseRuntimeChoice } from "../agent/runtime/factory.ts";
import { defaultServerOptions } from "../server/options.ts";
import { startServer, StartupError } from "../server/start.ts";
import { StoreCorruptError } from "../store/store.ts";
import { intFlag, parseFlags, UsageError } from "./flags.ts";
import { settleAfterStartup } from "./settle.ts";
import { MAX_CONNECTIONS_PER_ADDRESS } from "../api/http/front-door.ts";
import { handleShutdownSignals } from "./shutdown-signals.ts";
import { StartInterrupted } from "../lifecycle/closers.ts";

const help = `Usage: skiff server [flags]

  --data-dir DIR              state, certificates and tokens (default /var/lib/skiff as root, ~/.skiff otherwise)
  --bind-address ADDR         address to listen on (default 0.0.0.0)
  --https-listen-port PORT    HTTPS port of the API (default 6443)
  --max-connections-per-address N
                              open connections one client address may hold (default 256)
  --node-name NAME            this node's name (default: the host name)
  --token SECRET              the cluster secret joining agents present (default: generated once)
  --write-kubeconfig PATH     where to write the admin kubeconfig (default DIR/kubeconfig.yaml)
  --disable-agent             run only the control plane, no pods on this node
  --datastore-endpoint URL[,URL…]
                              etcd members as http(s)://host:2379 URLs, comma-separated; or a libsql
                              server as libsql://host (default: SQLite file under DIR/server/db)
  --datastore-token TOKEN     auth token for a libsql --datastore-endpoint
  --datastore-cafile FILE     CA that signs the etcd members' certificates
  --datastore-certfile FILE   client certificate for etcd (with --datastore-keyfile)
  --datastore-keyfile FILE    key of --datastore-certfile
  --etcd-prefix PREFIX        where skiff keeps its keys in etcd (default /registry/)
  --cluster-init              start an etcd member of this server's own (etcd binary: apt-get install
                              etcd-server), data under DIR/server/etcd: the first server of an HA cluster
  --server URL                join the HA cluster of this running server (https://HOST:6443) with --token:
                              it adds this server's own etcd member
  --tls-san NAME              an extra name or address for the serving certificate (repeatable)
  --cluster-cidr CIDR         the range pod subnets come from (default 10.42.0.0/16)
  --service-cidr CIDR         the range ClusterIPs come from (default 10.43.0.0/16)
  --flannel-backend B         pod network across nodes: vxlan (default), host-gw or none
  --disable-kube-proxy        do not program service virtual IPs on this node
  --agent-port PORT           HTTPS port of the embedded agent (default 10250)
  --node-label k=v            a label for this node (repeatable)
  --runtime R                 the embedded agent's container runtime: podman, containerd or auto (default auto:
                              podman when installed, else containerd)
  --container-runtime-endpoint SOCK
                              use this running containerd instead of one of the agent's own
  --node-ip IP                the address other nodes reach this node on
  --metrics-anonymous         serve /metrics without a token
  --node-monitor-grace-period D  a node whose lease is this old turns NotReady (default 15s)
  --pod-eviction-timeout D    pods of a NotReady node are replaced after this (default 30s)
  --horizontal-pod-autoscaler-sync-period D  how often each HorizontalPodAutoscaler is evaluated (default 15s)
  --metric-resolution D       how often the server pulls each node's CPU and memory figures (default 15s)
  --default-local-storage-path DIR  where local-path volumes are made on every node (default DATA/storage)
  --event-ttl D               an Event is deleted this long after its last write (default 1h)
`;

/** A path every node uses as given: relative to nothing in particular, so refused. */
function absolutePath(v: string | undefined, name: string): string | undefined {
  if (v !== undefined && !v.startsWith("/")) throw new UsageError(`--${name} must be an absolute path`);
  return v;
}

/** --server: an https:// URL, with the --token to join with; not together with --cluster-init. */
function joinServerFlag(url: string | undefined, token: string | undefined, clusterInit: boolean): string | undefined {
  if (url === undefined) return undefined;
  if (clusterInit) throw new UsageError("--cluster-init starts a new cluster and --server joins one: give one of them");
  if (!token) throw new UsageError("--server needs --token (the first server's DATA/server/token)");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--server must be an https:// URL, got "${url}"`);
  }
  if (parsed.protocol !== "https:") throw new UsageError(`--server must be an https:// URL, got "${url}"`);
  return parsed.origin;
}

/** A period that drives a timer: 0 would spin. */
function atLeastOneSecond(ms: number, name: string): number {
  if (ms < 1000) throw new UsageError(`--${name} must be at least 1s`);
  return ms;
}

/** A duration flag ("15s", "1m", or plain seconds) in milliseconds. */
function seconds(v: string | undefined, name: string, fallbackMs: number): number {
  if (v === undefined) return fallbackMs;
  const m = v.match(/^(\d+)(s|m|h)?$/);
  if (!m) throw new UsageError(`--${name} must be a duration like 15s, 1m or 1h, got "${v}"`);
  return Number(m[1]) * (m[2] === "h" ? 3_600_000 : m[2] === "m" ? 60_000 : 1000);
}

function flannelBackend(v: string): "vxlan" | "host-gw" | "none" {
  if (v !== "vxlan" && v !== "host-gw" && v !== "none") throw new UsageError(`--flannel-backend must be vxlan, host-gw or none, got "${v}"`);
  return v;
}

export async function run(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(args, {
      "data-dir": { type: "string" },
      "bind-address": { type: "string" },
      "https-listen-port": { type: "string" },
      "max-connections-per-address": { type: "string" },
      "node-name": { type: "string" },
      token: { type: "string" },
      "write-kubeconfig": { type: "string" },
      "disable-agent": { type: "boolean" },
      "datastore-endpoint": { type: "string" },
      "datastore-token": { type: "string" },
      "datastore-cafile": { type: "string" },
      "datastore-certfile": { type: "string" },
      "datastore-keyfile": { type: "string" },
      "etcd-prefix": { type: "string" },
      "cluster-init": { type: "boolean" },
      server: { type: "string" },
      "compact-interval-seconds": { type: "string" },
      "tls-san": { type: "string", multiple: true },
      "node-monitor-grace-period": { type: "string" },
      "pod-eviction-timeout": { type: "string" },
      "horizontal-pod-autoscaler-sync-period": { type: "string" },
      "metric-resolution": { type: "string" },
      "event-ttl": { type: "string" },
      "cluster-cidr": { type: "string" },
      "service-cidr": { type: "string" },
      "flannel-backend": { type: "string" },
      "disable-kube-proxy": { type: "boolean" },
      "agent-port": { type: "string" },
      "node-label": { type: "string", multiple: true },
      "node-ip": { type: "string" },
      "metrics-anonymous": { type: "boolean" },
      "default-local-storage-path": { type: "string" },
      runtime: { type: "string" },
      "container-runtime-endpoint": { type: "string" },
    }).values;
  } catch (e) {
    process.stderr.write(`skiff server: ${(e as Error).message}\n\n${help}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(help);
    return 0;
  }
  const defaults = defaultServerOptions();
  let opts;
  try {
    opts = {
      ...defaults,
      dataDir: flags["data-dir"] ?? defaults.dataDir,
      bindAddress: flags["bind-address"] ?? defaults.bindAddress,
      httpsPort: intFlag(flags["https-listen-port"], "https-listen-port", defaults.httpsPort),
      maxConnectionsPerAddress: intFlag(flags["max-connections-per-address"], "max-connections-per-address", MAX_CONNECTIONS_PER_ADDRESS),
      nodeName: flags["node-name"] ?? defaults.nodeName,
      token: flags.token,
      writeKubeconfig: flags["write-kubeconfig"],
      disableAgent: !!flags["disable-agent"],
      datastoreEndpoint: flags["datastore-endpoint"],
      datastoreToken: flags["datastore-token"],
      datastoreCafile: flags["datastore-cafile"],
      datastoreCertfile: flags["datastore-certfile"],
      datastoreKeyfile: flags["datastore-keyfile"],
      etcdPrefix: flags["etcd-prefix"],
      clusterInit: !!flags["cluster-init"],
      joinServer: joinServerFlag(flags.server, flags.token, !!flags["cluster-init"]),
      tlsSans: flags["tls-san"],
      nodeMonitorGracePeriodMs: seconds(flags["node-monitor-grace-period"], "node-monitor-grace-period", defaults.nodeMonitorGracePeriodMs),
      podEvictionTimeoutMs: seconds(flags["pod-eviction-timeout"], "pod-eviction-timeout", defaults.podEvictionTimeoutMs),
      hpaSyncPeriodMs: atLeastOneSecond(seconds(flags["horizontal-pod-autoscaler-sync-period"], "horizontal-pod-autoscaler-sync-period", defaults.hpaSyncPeriodMs), "horizontal-pod-autoscaler-sync-period"),
      eventTtlMs: atLeastOneSecond(seconds(flags["event-ttl"], "event-ttl", defaults.eventTtlMs), "event-ttl"),
      metricResolutionMs: atLeastOneSecond(seconds(flags["metric-resolution"], "metric-resolution", defaults.metricResolutionMs), "metric-resolution"),
      clusterCidr: flags["cluster-cidr"] ?? defaults.clusterCidr,
      serviceCidr: flags["service-cidr"] ?? defaults.serviceCidr,
      flannelBackend: flannelBackend(flags["flannel-backend"] ?? defaults.flannelBackend),
      disableKubeProxy: !!flags["disable-kube-proxy"],
      agentPort: intFlag(flags["agent-port"], "agent-port", defaults.agentPort),
      runtime: parseRuntimeChoice(flags.runtime),
      containerRuntimeEndpoint: flags["container-runtime-endpoint"],
      nodeLabels: Object.fromEntries((flags["node-label"] ?? []).map((l) => { const [k, ...v] = l.split("="); return [k!, v.join("=")]; })),
      nodeIp: flags["node-ip"],
      metricsAnonymous: !!flags["metrics-anonymous"],
      defaultLocalStoragePath: absolutePath(flags["default-local-storage-path"], "default-local-storage-path"),
      compactIntervalMs: intFlag(flags["compact-interval-seconds"], "compact-interval-seconds", defaults.compactIntervalMs / 1000) * 1000,
    };
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`skiff server: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // From here on a signal stops whatever has started, even half way through the start.
  const shutdown = handleShutdownSignals("skiff server");
  let server;
  try {
    server = await startServer(opts, shutdown.signal);
  } catch (e) {
    // Everything the start began is closed by now.
    if (e instanceof StartInterrupted) return 0;
    if (e instanceof StartupError || e instanceof StoreCorruptError) {
      process.stderr.write(`skiff server: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`skiff server: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  console.log(`skiff server ready at ${server.url} (kubeconfig: ${server.kubeconfigPath}${server.agent ? `, runtime ${server.agent.runtimeVersion}` : ""})`);
  settleAfterStartup();
  const running = server;
  shutdown.onStop(() => running.stop());
  return shutdown.done;
}
