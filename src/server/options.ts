// `skiff server` settings, named after k3s's flags where the meaning is the same.
import type { LeaderElectionTimings } from "./leader-election.ts";
export type ServerOptions = {
  dataDir: string;
  bindAddress: string;
  httpsPort: number;
  /** Open connections one client address may hold on the API port (past it: 429). */
  maxConnectionsPerAddress?: number;
  nodeName: string;
  /** The cluster secret; generated on first start when absent. */
  token?: string;
  writeKubeconfig?: string;
  disableAgent: boolean;
  /** How long a node's Lease may go unrenewed before it is NotReady (Kubernetes: 50 s). */
  nodeMonitorGracePeriodMs: number;
  /** How long pods stay on an unreachable node before they are evicted. */
  podEvictionTimeoutMs: number;
  /** How long an Event lives after its last write (kube-apiserver --event-ttl: 1 h). */
  eventTtlMs: number;
  /** How often each HorizontalPodAutoscaler is evaluated (kube-controller-manager's --horizontal-pod-autoscaler-sync-period). */
  hpaSyncPeriodMs: number;
  /** How often the server pulls each agent's resource figures (metrics-server's --metric-resolution). */
  metricResolutionMs: number;
  /** Run the scheduler and controllers (off only for tests that play their part themselves). */
  runControllers: boolean;
  /** Default: the embedded SQLite file under DATA/server/db. */
  datastoreEndpoint?: string;
  datastoreToken?: string;
  /** TLS to etcd (k3s's --datastore-cafile, --datastore-certfile, --datastore-keyfile). */
  datastoreCafile?: string;
  datastoreCertfile?: string;
  datastoreKeyfile?: string;
  /** Start an etcd member of this server's own as the first of a new cluster (k3s's --cluster-init). */
  clusterInit?: boolean;
  /** Join the HA cluster of this running server: it adds this server's etcd member (k3s's `server --server`). */
  joinServer?: string;
  /** Where the keys live in etcd (kube-apiserver's --etcd-prefix; default /registry/). */
  etcdPrefix?: string;
  /** How often the store is compacted and its WAL checkpointed. */
  compactIntervalMs: number;
  /** How many changes compaction keeps for watch resume, at least. */
  retainChanges: number;
  /** Changes younger than this are kept for watch resume too, however many. */
  retainChangesMs: number;
  bookmarkIntervalMs: number;
  /** Extra names and addresses for the serving certificate (k3s's --tls-san). */
  tlsSans?: string[];
  /** Pod subnets are carved out of this range, one per node. */
  clusterCidr: string;
  /** ClusterIPs come from this range (.1 is the kubernetes Service, .10 cluster DNS). */
  serviceCidr: string;
  flannelBackend: "vxlan" | "host-gw" | "none";
  disableKubeProxy: boolean;
  /** The embedded agent's settings (ignored with disableAgent). */
  agentPort: number;
  nodeLabels: Record<string, string>;
  nodeIp?: string;
  leaseRenewSeconds: number;
  metricsAnonymous: boolean;
  /** Where local-path volumes are made on every node (k3s --default-local-storage-path); DATA/storage when unset. */
  defaultLocalStoragePath?: string;
  /** For tests: run podman under this prefix. */
  runtimeCommandPrefix?: string[];
  /** The embedded agent's container runtime: podman, containerd, or auto (podman when installed). */
  runtime?: "podman" | "containerd" | "auto";
  /** A running containerd's socket for the containerd runtime (otherwise the agent runs its own). */
  containerRuntimeEndpoint?: string;
  /** Lease timings of the controllers' election on a shared store (kube-controller-manager's 15 s / 10 s / 2 s when unset). */
  leaderElection?: LeaderElectionTimings;
  /** Print the ready line and errors; tests run quiet. */
  log: (line: string) => void;
};

export function defaultServerOptions(): ServerOptions {
  return {
    dataDir: process.getuid?.() === 0 ? "/var/lib/skiff" : `${process.env.HOME ?? "."}/.skiff`,
    bindAddress: "0.0.0.0",
    httpsPort: 6443,
    nodeName: hostName(),
    disableAgent: false,
    runControllers: true,
    nodeMonitorGracePeriodMs: 15_000,
    podEvictionTimeoutMs: 30_000,
    eventTtlMs: 60 * 60_000,
    hpaSyncPeriodMs: 15_000,
    metricResolutionMs: 15_000,
    compactIntervalMs: 5 * 60_000,
    // Watch history: the last 10,000 changes or 5 minutes of them (upstream's watch cache window), whichever is more.
    retainChanges: 10_000,
    retainChangesMs: 5 * 60_000,
    bookmarkIntervalMs: 60_000,
    clusterCidr: "10.42.0.0/16",
    serviceCidr: "10.43.0.0/16",
    flannelBackend: "vxlan",
    disableKubeProxy: false,
    agentPort: 10250,
    nodeLabels: {},
    leaseRenewSeconds: 10,
    metricsAnonymous: false,
    log: (line) => console.log(line),
  };
}

export function hostName(): string {
  return (require("node:os") as typeof import("node:os")).hostname().toLowerCase();
}
