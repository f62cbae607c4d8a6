// The node agent (skiff's kubelet): joins the cluster, registers its Node, renews its
// Lease, and keeps the pods bound to it running on the container runtime.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { ApiClient, ApiRequestError, resources } from "../client/api-client.ts";
import { createRuntimeDriver, resolveRuntime, type RuntimeChoice, type RuntimeName } from "./runtime/factory.ts";
import { recordNodeRuntime } from "../cli/node-runtime.ts";
import type { RuntimeDriver, RuntimeEvent, RuntimeEventStream } from "./runtime/types.ts";
import { LABEL_NODE, LABEL_POD_UID } from "./runtime/labels.ts";
import { ensureCredential, JoinRefused, type NodeCredential } from "./credentials.ts";
import { nodeFacts, nodeIpFor } from "./node-info.ts";
import { NODE_STATUS_REPORT_MS, registerNode, renewLease, type NodeRegistrationOptions } from "./node-registration.ts";
import { refreshServers } from "./server-list.ts";
import { PodSource, type Pod } from "./pod-source.ts";
import { LocalVolumes } from "./local-volumes.ts";
import { podClaimNames } from "../controllers/storage/volume-matching.ts";
import { PodWorker, type WorkerContext } from "./pod-worker.ts";
import { ProjectedTokens } from "./projected-tokens.ts";
import { kubernetesServiceEnv } from "./env.ts";
import { kubernetesServiceIp } from "../server/services/kubernetes-service.ts";
import { RuntimeCache, type RuntimeSnapshot } from "./runtime-cache.ts";
import { Backoff } from "./backoff.ts";
import { EventRecorder } from "./events.ts";
import { startAgentServer } from "./agent-server.ts";
import { AgentMetrics } from "./metrics.ts";
import { WakeTimers } from "./wake-timers.ts";
import { PodNetwork } from "./network/pod-network.ts";
import { ClusterDns, podDnsConfig } from "./network/cluster-dns.ts";
import { ServiceProxy } from "./network/service-proxy.ts";
import { DEFAULT_SERVICE_CIDR } from "./network/service-route.ts";
import { BridgeAddressKeeper } from "./network/bridge-address.ts";
import { firstHost } from "./network/pod-bridge.ts";
import { Closers, pause, StartInterrupted, unlessAborted } from "../lifecycle/closers.ts";

/**
 * With the runtime's event stream open, a full listing is only a safety net: every 5 minutes.
 * On podman it is four podman processes (20 ms of CPU each with no pods, more with many);
 * once a minute it was a steady part of an idle node's CPU. A stream that ends is reopened
 * with a full listing.
 */
const RELIST_WITH_EVENTS_MS = 300_000;

export type AgentOptions = {
  dataDir: string;
  /** The server to join first. */
  server: string;
  /** Further servers of the cluster to fail over to (the agent also learns them from the kubernetes Endpoints). */
  otherServers?: string[];
  token: string;
  nodeName: string;
  nodeLabels: Record<string, string>;
  nodeIp?: string;
  /** podman, containerd, or auto (podman when installed, else containerd). */
  runtime: RuntimeChoice;
  /** A running containerd's socket; without it the containerd runtime runs its own. */
  containerRuntimeEndpoint?: string;
  agentPort: number;
  /** Bind address of the agent's HTTPS port. */
  agentBindAddress: string;
  isServer: boolean;
  leaseRenewSeconds: number;
  syncIntervalMs: number;
  metricsAnonymous: boolean;
  /** Pod network across nodes: flannel's backends. */
  flannelBackend: "vxlan" | "host-gw" | "none";
  clusterCidr: string;
  /** Leave service virtual IPs to something else (k3s's --disable-kube-proxy). */
  disableKubeProxy: boolean;
  /** For tests: run podman under this prefix (e.g. nsenter into a network namespace). */
  runtimeCommandPrefix?: string[];
  log: (line: string) => void;
};

export class Agent {
  private credential!: NodeCredential;
  client!: ApiClient;
  driver!: RuntimeDriver;
  cache!: RuntimeCache;
  source!: PodSource;
  private readonly workers = new Map<string, PodWorker>();
  private readonly pending = new Set<string>();
  private timers: Timer[] = [];
  private stopped = false;
  private kickScheduled = false;
  private syncing = false;
  private httpServer?: Server<unknown>;
  readonly metrics: AgentMetrics;
  private statsAt = 0;
  private readonly agentDir: string;
  lastLeaseRenew = 0;
  private network?: PodNetwork;
  private dns?: ClusterDns;
  private proxy?: ServiceProxy;
  /** Pods on this node reach everything through the bridge, whatever the overlay: its MAC must not move. */
  private bridgeAddress?: BridgeAddressKeeper;
  /** Container events from the runtime; while it runs, full listings are only a safety net. */
  private events?: RuntimeEventStream;
  private lastRelist = 0;
  /** Delayed syncs, one per pod at most: the earliest any part of a pass asked for. */
  private readonly wakes = new WakeTimers((uid) => this.wake(uid));
  /**
   * Runtime events come in bursts (a container and its infra, a rollout's many pods): 50 ms
   * after the first, one pod is listed by itself and several with one listing of the node,
   * so a burst costs two runtime calls, not two per pod (each call started holds the event
   * loop a little, which the API server beside the agent feels under load).
   */
  private readonly refreshDue = new Set<string>();
  private refreshTimer?: Timer;
  /** Pods woken while their worker was busy: synced again as soon as it finishes. */
  private readonly rerun = new Set<string>();
  /** What start has started, closed in reverse by stop (or by a start that fails half way). */
  private readonly closers: Closers;
  /** Aborted by stop: a start in progress gives up at its next step. */
  private readonly stopping = new AbortController();

  constructor(readonly opts: AgentOptions) {
    this.agentDir = join(opts.dataDir, "agent");
    this.closers = new Closers(opts.log);
    this.metrics = new AgentMetrics(opts.nodeName, opts.dataDir);
    this.metrics.pendingWakes = () => this.wakes.size;
  }

  /** Per-container CPU and memory from the runtime, at most every 10 s (podman stats is not free). */
  async refreshStats(): Promise<void> {
    if (Date.now() - this.statsAt < 10_000) return;
    this.statsAt = Date.now();
    const containers = this.cache.snapshot().containers.filter((c) => c.state === "running");
    const asked = Date.now();
    const stats = containers.length ? await this.driver.stats(containers.map((c) => c.id)) : [];
    // The counters were read somewhere during the command: its midpoint is within half its duration.
    this.metrics.observeContainerStats(stats, containers, (uid) => this.source.pods.get(uid), Math.round((asked + Date.now()) / 2));
  }

  /**
   * Join (retrying on network errors), register, and start running pods. A start that fails,
   * or that stop() interrupts (StartInterrupted), leaves nothing running.
   */
  async start(): Promise<void> {
    try {
      await this.startParts();
    } catch (e) {
      const interrupted = this.stopped;
      await this.stop();
      throw interrupted ? new StartInterrupted() : e;
    }
  }

  /** One step of start, given up at once when stop() is called. */
  private step<T>(p: Promise<T>): Promise<T> {
    return unlessAborted(this.stopping.signal, p);
  }

  private async startParts(): Promise<void> {
    mkdirSync(this.agentDir, { recursive: true, mode: 0o700 });
    this.credential = await this.step(this.join());
    this.client = new ApiClient([this.credential.server, ...this.givenServers()], this.credential.token, this.credential.caPem);
    const nodeIp = nodeIpFor(this.opts.nodeIp, this.opts.agentBindAddress);
    const reg: NodeRegistrationOptions = { nodeName: this.opts.nodeName, labels: this.opts.nodeLabels, isServer: this.opts.isServer, agentPort: this.opts.agentPort, leaseDurationSeconds: 40 };

    // The pod subnet comes from the server; a restart without the server uses the last one.
    const nodeStatePath = join(this.agentDir, "node.json");
    let podCIDR: string | undefined;
    try {
      const runtimeName = resolveRuntime(this.opts.runtime, { endpoint: this.opts.containerRuntimeEndpoint });
      const node = await this.step(registerNode(this.client, nodeFacts({ dataDir: this.opts.dataDir, nodeIp, runtimeVersion: `${runtimeName}://unknown` }), reg));
      podCIDR = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
      writeFileSync(nodeStatePath, JSON.stringify({ podCIDR }));
    } catch (e) {
      if (e instanceof StartInterrupted || (e instanceof ApiRequestError && e.code < 500)) throw e;
      if (!existsSync(nodeStatePath)) throw e;
      podCIDR = JSON.parse(readFileSync(nodeStatePath, "utf8")).podCIDR;
      this.opts.log(`skiff agent: server unreachable (${(e as Error).message}); running from local state`);
    }
    const making = createRuntimeDriver({ runtime: this.opts.runtime, dataDir: this.opts.dataDir, nodeName: this.opts.nodeName, subnet: podCIDR, commandPrefix: this.opts.runtimeCommandPrefix, containerRuntimeEndpoint: this.opts.containerRuntimeEndpoint, log: this.opts.log });
    this.driver = await this.step(making).catch((e) => {
      // A driver finished after a stop interrupted the wait (its containerd started) is closed all the same.
      if (e instanceof StartInterrupted) void making.then((d) => d.close(), () => {});
      throw e;
    });
    recordNodeRuntime(this.opts.dataDir, this.driver.name as RuntimeName, this.opts.containerRuntimeEndpoint);
    // Closed last: a runtime call still running (even one stuck) is ended, never waited for; an own containerd is stopped.
    this.closers.add(`skiff agent: ${this.driver.name} calls`, () => this.driver.close());
    this.cache = new RuntimeCache(this.driver, this.opts.nodeName);
    await this.step(this.importImageFolder());
    const facts = () => nodeFacts({ dataDir: this.opts.dataDir, nodeIp, runtimeVersion: this.runtimeVersion });
    this.runtimeVersion = await this.step(this.driver.version());
    const heartbeat = async () => {
      try {
        await renewLease(this.client, reg);
        this.lastLeaseRenew = Date.now();
      } catch (e) {
        this.metrics.leaseErrors.inc();
        if (e instanceof ApiRequestError && e.code === 404) await registerNode(this.client, facts(), reg).catch(() => {});
      }
    };
    await this.step(registerNode(this.client, facts(), reg).catch(() => {}));
    await this.step(heartbeat());
    this.timers.push(setInterval(heartbeat, this.opts.leaseRenewSeconds * 1000));
    this.timers.push(setInterval(() => void registerNode(this.client, facts(), reg).catch(() => {}), NODE_STATUS_REPORT_MS));
    // Other servers of the cluster, for failover: learned now and again every minute.
    const learnServers = () => void refreshServers(this.client, this.givenServers()).catch(() => {});
    learnServers();
    this.timers.push(setInterval(learnServers, 60_000));

    await this.startNetworking(nodeIp, podCIDR);

    const events = new EventRecorder(this.client, "kubelet", this.opts.nodeName);
    const backoff = new Backoff();
    this.source = new PodSource(this.client, this.opts.nodeName, this.agentDir, (uid) => this.wake(uid));
    const volumes = new LocalVolumes(this.client, this.opts.nodeName, this.agentDir, this.opts.log, () => {
      for (const [uid, pod] of this.source.pods) if (podClaimNames(pod).length) this.wake(uid);
    });
    volumes.start();
    this.closers.add("skiff agent: claims and volumes", () => volumes.stop());
    // Volume figures change slowly and cost a walk of each directory: once a minute.
    const measureVolumes = () => void this.metrics.volumes.measure(volumes.inUse(this.source.pods.values())).catch(() => {});
    this.timers.push(setInterval(measureVolumes, 60_000));
    setTimeout(measureVolumes, 5_000).unref();
    const ctx: WorkerContext = {
      driver: this.driver,
      cache: this.cache,
      nodeName: this.opts.nodeName,
      agentDir: this.agentDir,
      hostIP: nodeIp,
      lookup: (plural, ns, name) => (plural === "persistentvolumeclaims" || plural === "persistentvolumes" ? volumes.object(plural, ns, name) : this.source.object(plural, ns, name)),
      events,
      backoff,
      writeStatus: (pod, status) => this.writeStatus(pod, status),
      confirmDeletion: (pod) => this.confirmDeletion(pod),
      wake: (uid, after) => this.wake(uid, after),
      onProbe: (kind, ok, seconds) => this.metrics.probe(kind, ok, seconds),
      clusterDns: this.dns ? (ns) => podDnsConfig(ns, this.dns!.address) : undefined,
      tokens: new ProjectedTokens(this.client, (uid, after) => this.wake(uid, after)),
      serviceEnv: kubernetesServiceEnv(kubernetesServiceIp(this.credential.serviceCidr ?? DEFAULT_SERVICE_CIDR)),
    };
    this.workerContext = ctx;
    this.followRuntimeEvents();
    this.closers.add("skiff agent: runtime events", () => this.events?.stop());
    this.source.start();
    this.closers.add("skiff agent: pod source", () => this.source.stop());
    this.timers.push(setInterval(() => this.kick(true), this.opts.syncIntervalMs));
    // ConfigMap and Secret changes reach volumes on a resync, as the kubelet's do.
    this.timers.push(setInterval(() => void this.source.refreshObjects().catch(() => {}), 10_000));
    this.kick(true);
    this.httpServer = startAgentServer(this, { port: this.opts.agentPort, hostname: this.opts.agentBindAddress, certPem: this.credential.servingCertPem, keyPem: this.credential.servingKeyPem, proxyToken: this.credential.proxyToken, metricsAnonymous: this.opts.metricsAnonymous });
    this.closers.add("skiff agent: agent port", () => this.httpServer?.stop(true));
  }

  runtimeVersion = "unknown://unknown";

  /**
   * The overlay to other nodes, the cluster DNS server and the service rules. Each is the
   * node's own business: one that cannot start (say, a second agent on the same host whose
   * address is taken) is reported and the node runs without it.
   */
  private async startNetworking(nodeIp: string, podCIDR: string | undefined) {
    const log = this.opts.log;
    const prefix = this.opts.runtimeCommandPrefix;
    if (podCIDR) {
      const keeper = (this.bridgeAddress = new BridgeAddressKeeper({ gateway: firstHost(podCIDR), commandPrefix: prefix, log }));
      keeper.start();
      this.closers.add("skiff agent: bridge address keeper", () => keeper.stop());
    }
    // Rules, routes and the DNS address stay when these stop: pods keep working until killall removes them.
    if (podCIDR && this.opts.flannelBackend !== "none") {
      const net = new PodNetwork({ client: this.client, backend: this.opts.flannelBackend, nodeName: this.opts.nodeName, nodeIp, podCIDR, clusterCidr: this.opts.clusterCidr, commandPrefix: prefix, log });
      // Registered before starting: a stop during a slow start must end it too.
      this.closers.add("skiff agent: pod overlay", () => net.stop());
      await this.step(net.start()).then(() => (this.network = net), (e) => this.notStarted(e, "pod overlay"));
    }
    const dns = new ClusterDns({ client: this.client });
    this.closers.add("skiff agent: cluster DNS", () => dns.stop());
    await this.step(dns.start()).then(() => (this.dns = dns), (e) => this.notStarted(e, "cluster DNS"));
    if (!this.opts.disableKubeProxy) {
      const proxy = (this.proxy = new ServiceProxy({ client: this.client, clusterCidr: this.opts.clusterCidr, serviceCidr: this.credential.serviceCidr ?? DEFAULT_SERVICE_CIDR, skipAddresses: [dns.address], commandPrefix: prefix, log }));
      proxy.start();
      this.closers.add("skiff agent: service proxy", () => proxy.stop());
    }
  }

  /** A network part that cannot start is reported and the node runs without it; a stop still ends the start. */
  private notStarted(e: unknown, what: string): void {
    if (e instanceof StartInterrupted) throw e;
    this.opts.log(`skiff agent: ${what} not started: ${(e as Error).message}`);
  }
  private workerContext!: WorkerContext;

  /** The servers given at start (--server), the first one first. */
  private givenServers(): string[] {
    return [this.opts.server, ...(this.opts.otherServers ?? [])];
  }

  /** Joins through the first given server that answers. */
  private async join(): Promise<NodeCredential> {
    let delay = 500;
    const servers = this.givenServers();
    for (let attempt = 0; ; attempt++) {
      const server = servers[attempt % servers.length]!;
      try {
        return await ensureCredential({ agentDir: this.agentDir, server, knownServers: servers, token: this.opts.token, nodeName: this.opts.nodeName });
      } catch (e) {
        if (e instanceof JoinRefused || this.stopped) throw e;
        if ((attempt + 1) % servers.length !== 0) continue;
        this.opts.log(`skiff agent: cannot reach ${servers.join(", ")} (${(e as Error).message}); retrying in ${delay} ms`);
        await pause(delay, this.stopping.signal);
        if (this.stopped) throw new StartInterrupted();
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /**
   * One long-lived `podman events` tells of containers that die or vanish; the pod is
   * listed again and its worker woken. If the stream ends it is reopened, and until then
   * every pass lists everything, as without it.
   */
  private followRuntimeEvents() {
    if (this.stopped) return;
    const stream = this.driver.watchEvents((e) => this.onRuntimeEvent(e));
    this.events = stream;
    // What happened while no stream ran is found by the next full pass listing everything.
    this.lastRelist = 0;
    void stream.ended.then(() => {
      if (this.events === stream) this.events = undefined;
      if (this.stopped) return;
      this.opts.log("skiff agent: runtime event stream ended; listing containers every pass until it is back");
      const t = setTimeout(() => this.followRuntimeEvents(), 5000);
      this.timers.push(t);
    });
  }

  private onRuntimeEvent(e: RuntimeEvent) {
    if (e.type !== "exited" && e.type !== "removed" && e.type !== "oomKilled") return;
    if (this.stopped) return;
    // A pod being deleted is torn down by its worker, which records what it removed: its
    // containers' exits are that teardown's own doing, and a listing for them would only
    // compete with it (a rollout's or a scale-down's burst of exits).
    // Likewise a pod already removed (its late events): the cache holds nothing of it any more,
    // and a container of it that is still there is found by the periodic listing.
    const pod = this.source.pods.get(e.podUid);
    if (pod ? pod.metadata.deletionTimestamp : this.workers.has(e.podUid) || !this.cache.holdsPod(e.podUid)) return;
    this.refreshDue.add(e.podUid);
    this.refreshTimer ??= setTimeout(() => void this.refreshAfterEvents(), 50);
  }

  private async refreshAfterEvents() {
    this.refreshTimer = undefined;
    const uids = [...this.refreshDue];
    this.refreshDue.clear();
    if (uids.length === 1) await this.cache.settlePod(uids[0]!);
    else await this.cache.relist().catch(() => {});
    for (const uid of uids) this.wake(uid);
  }

  private async importImageFolder() {
    const dir = join(this.agentDir, "images");
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dir)) {
      if (!/\.(tar|tar\.gz|tgz|oci)$/.test(f)) continue;
      try {
        const names = await this.driver.importImage(join(dir, f));
        this.opts.log(`skiff agent: loaded ${names.join(", ") || "an image"} from ${f}`);
      } catch (e) {
        this.opts.log(`skiff agent: cannot load ${f}: ${(e as Error).message}`);
      }
    }
  }

  wake(uid: string, afterMs = 0) {
    if (this.stopped) return;
    if (afterMs > 0) return this.wakes.schedule(uid, afterMs);
    this.pending.add(uid);
    this.kick(false);
  }

  private kick(all: boolean) {
    if (all) for (const uid of this.source.pods.keys()) this.pending.add(uid);
    if (all) this.pending.add("*");
    if (this.kickScheduled || this.stopped) return;
    this.kickScheduled = true;
    queueMicrotask(() => {
      this.kickScheduled = false;
      void this.syncPending();
    });
  }

  /** Full listings: every few minutes with the event stream, otherwise every full pass. */
  private relistDue(full: boolean): boolean {
    if (!this.cache.listed) return true;
    if (!full) return false;
    return !this.events || Date.now() - this.lastRelist >= RELIST_WITH_EVENTS_MS;
  }

  /** One pass: the runtime as cached (listed again when due), then every pending pod's worker (and orphans on a full pass). */
  private async syncPending() {
    if (this.syncing || this.stopped) return;
    this.syncing = true;
    try {
      while (this.pending.size && !this.stopped) {
        const uids = [...this.pending];
        this.pending.clear();
        const full = uids.includes("*");
        if (this.relistDue(full)) {
          try {
            await this.cache.relist();
            this.lastRelist = Date.now();
          } catch (e) {
            this.opts.log(`skiff agent: runtime unavailable: ${(e as Error).message}`);
            return;
          }
        }
        const snap = this.cache.snapshot();
        this.metrics.observeRuntime(snap.containers, this.source.pods.size);
        const targets = new Set(uids.filter((u) => u !== "*"));
        if (full) for (const c of [...snap.containers, ...snap.sandboxes]) targets.add(c.podUid);
        for (const uid of targets) this.runWorker(uid, snap);
      }
    } finally {
      this.syncing = false;
    }
  }

  private runWorker(uid: string, snap: RuntimeSnapshot) {
    const pod = this.source.pods.get(uid);
    let worker = this.workers.get(uid);
    if (!worker) {
      if (!pod && !snap.containers.some((c) => c.podUid === uid) && !snap.sandboxes.some((s) => s.podUid === uid)) return;
      this.workers.set(uid, (worker = new PodWorker(this.workerContext, uid)));
    }
    if (worker.busy) {
      this.rerun.add(uid);
      return;
    }
    worker.busy = true;
    const w = worker;
    void w
      .sync(pod, snap)
      .catch((e) => this.opts.log(`skiff agent: pod ${pod?.metadata.namespace}/${pod?.metadata.name ?? uid}: ${(e as Error).message}`))
      .finally(() => {
        w.busy = false;
        if (!this.source.pods.has(uid) && w.tornDown) this.workers.delete(uid);
        if (this.rerun.delete(uid)) this.wake(uid);
      });
  }

  private async writeStatus(pod: Pod, status: unknown): Promise<boolean> {
    try {
      await this.client.patch(resources.pods, pod.metadata.namespace, pod.metadata.name!, [{ op: "add", path: "/status", value: status }], "json", "status");
      return true;
    } catch (e) {
      return e instanceof ApiRequestError && e.code === 404;
    }
  }

  private async confirmDeletion(pod: Pod) {
    try {
      await this.client.delete(resources.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (e) {
      if (!(e instanceof ApiRequestError && (e.code === 404 || e.code === 409))) this.wake(pod.metadata.uid!, 2000);
    }
  }

  /** The running container of a pod's container, for logs and exec. */
  async findContainer(namespace: string, podName: string, container: string | undefined, previous = false) {
    const pod = [...this.source.pods.values()].find((p) => p.metadata.namespace === namespace && p.metadata.name === podName);
    if (!pod) return undefined;
    const name = container ?? pod.spec.containers[0].name;
    const list = (await this.driver.listContainers({ [LABEL_NODE]: this.opts.nodeName, [LABEL_POD_UID]: pod.metadata.uid! })).filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt);
    return previous ? list[1] : list[0];
  }

  /** Stop serving, whether started, starting or stuck; containers keep running (a restarted agent adopts them). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const t of this.timers) clearTimeout(t);
    this.wakes.clear();
    clearTimeout(this.refreshTimer);
    await this.closers.closeAll();
  }
}
