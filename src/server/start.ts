// Wires the control plane together: data dir, PKI and tokens, store, registry, HTTP API,
// controllers, compaction, the embedded agent; and shuts it down in order.
import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import { networkInterfaces } from "node:os";
import type { Server } from "bun";
import { allKinds } from "../api/kinds/index.ts";
import { installCustomResources } from "../api/crd/serve.ts";
import { Registry } from "../api/registry/registry.ts";
import { createApiApp } from "../api/http/app.ts";
import { ANONYMOUS_IDLE_SECONDS, MAX_CONNECTIONS_PER_ADDRESS, MAX_HEADER_BYTES, MAX_REQUESTS_PER_ADDRESS, MAX_URL_BYTES, bearerToken, frontDoor } from "../api/http/front-door.ts";
import { SERVED_METHODS } from "../api/http/app.ts";
import { startTlsFront, type TlsFront } from "../api/http/tls-front.ts";
import { spdyPortForward } from "./spdy-port-forward.ts";
import type { UserInfo } from "../api/http/types.ts";
import type { Store } from "../store/store-interface.ts";
import { DatastoreConfigError, etcdConnection, openStore } from "../store/open.ts";
import { EtcdClient, EtcdUnavailableError } from "../store/etcd/client.ts";
import { ClusterSecretsError, clusterSecretOf, fetchClusterSecrets, publishClusterSecrets, secretsKeyBase } from "./cluster-secrets.ts";
import { SecretBox } from "./pki/secret-box.ts";
import { startEmbeddedEtcd, type EmbeddedEtcd } from "./etcd/embedded-datastore.ts";
import { EtcdMemberError } from "./etcd/etcd-member.ts";
import { mountServerJoinRoute, SERVER_JOIN_PATH } from "./etcd/member-join.ts";
import { removeMembersOfDeletedNodes } from "./etcd/member-removal.ts";
import { isDiskFull } from "../store/disk-reserve.ts";
import { ensureServerPki, issueServingCert } from "./pki/ca.ts";
import { ensureAdminToken, ensureTokens } from "./pki/token.ts";
import { writeKubeconfig } from "./pki/kubeconfig.ts";
import { bootstrapObjects } from "./bootstrap.ts";
import { secretCodec } from "./secret-codec.ts";
import { NodeCredentials } from "./auth/node-credentials.ts";
import { Authorizer } from "./auth/authorizer.ts";
import { ensureBootstrapPolicy } from "./auth/bootstrap-policy.ts";
import { installEscalationCheck } from "./auth/escalation.ts";
import { mountReviewRoutes, reviewDiscovery } from "./auth/reviews.ts";
import { impersonatedUser } from "./auth/impersonation.ts";
import { UserTokens } from "./auth/user-tokens.ts";
import { JOIN_PATH, mountJoinRoute } from "./auth/join-route.ts";
import { podSubresources } from "./pod-subresources.ts";
import { NodeProxy } from "./node-proxy.ts";
import { proxySubresources } from "./proxy.ts";
import { execBridgeHandler, tryExecUpgrade, type BridgeData } from "./exec-bridge.ts";
import { podCidrAllocator } from "./pod-cidr.ts";
import { installQuotaAdmission } from "./quota/admission.ts";
import { installServiceAccountAdmission } from "./auth/service-account-admission.ts";
import { ServiceAccountTokenSigner } from "./auth/service-account-tokens.ts";
import { serviceAccountAuthenticator, tokenRequestHandler } from "./auth/service-account-token-request.ts";
import type { Agent } from "../agent/agent.ts";
import type { ServerOptions } from "./options.ts";
import { ensureKubernetesService, installServiceAllocation, kubernetesServiceIp } from "./services/index.ts";
import { startApiServerLeases } from "./services/apiserver-leases.ts";
import { nodeIpFor } from "../agent/node-info.ts";
import { startManifestsWatcher } from "./manifests/manifests-watcher.ts";
import { startControlPlaneLoops, startLeaderElectedLoops, type ControlPlaneOptions } from "../controllers/index.ts";
import type { Controller } from "../controllers/runtime/controller.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import { CONTROL_PLANE_LEASE, electionIdentity, type LeaderElector } from "./leader-election.ts";
import { EtcdStore } from "../store/etcd/etcd-store.ts";
import { createServerMetrics } from "./metrics/server-metrics.ts";
import { registrySource } from "./metrics/object-source.ts";
import { metricsApiAggregatedDiscovery, metricsApiGroup, mountMetricsApi } from "./metrics/metrics-api.ts";
import { ResourceStatsCollector, pullAgents } from "./metrics/resource-stats.ts";
import { firstPullDelayMs, schedulePulls } from "./metrics/pull-schedule.ts";
import { ApiClient } from "../client/api-client.ts";
import { Closers, StartInterrupted, unlessAborted } from "../lifecycle/closers.ts";

export class StartupError extends Error {}

/** A datastore that cannot be used as configured is a StartupError with the reason. */
function configured<T>(f: () => T): T {
  const refuse = (e: unknown): never => {
    if (e instanceof DatastoreConfigError || e instanceof EtcdUnavailableError || e instanceof ClusterSecretsError) throw new StartupError(e.message);
    throw e;
  };
  try {
    const r = f();
    return (r instanceof Promise ? r.catch(refuse) : r) as T;
  } catch (e) {
    return refuse(e);
  }
}

export type RunningServer = {
  url: string;
  caPem: string;
  adminToken: string;
  joinToken: string;
  kubeconfigPath: string;
  registry: Registry;
  store: Store;
  agent?: Agent;
  /** Present on a store shared by several servers: this server's part in the controllers' election. */
  elector?: LeaderElector;
  stop(): Promise<void>;
};

/**
 * Starts the control plane (and the embedded agent). When a step fails, or `signal` aborts
 * (SIGTERM during start), everything started so far is stopped in reverse order before the
 * error (StartupError, StartInterrupted, ...) reaches the caller: never a half-started server.
 */
export async function startServer(opts: ServerOptions, signal?: AbortSignal): Promise<RunningServer> {
  const closers = new Closers(opts.log);
  try {
    return await startParts(opts, closers, signal);
  } catch (e) {
    await closers.closeAll();
    throw e;
  }
}

/** The embedded etcd member when --cluster-init or --server asks for one (stopped with the server, after the store). */
async function startEmbedded(opts: ServerOptions, serverDir: string, ensureCa: () => Promise<unknown>, closers: Closers, signal: AbortSignal | undefined): Promise<EmbeddedEtcd | undefined> {
  if (!opts.clusterInit && !opts.joinServer) return undefined;
  if (opts.datastoreEndpoint) throw new StartupError("--cluster-init and --server run an etcd member of this server's own: leave out --datastore-endpoint");
  const started = await unlessAborted(signal, startEmbeddedEtcd({ serverDir, nodeName: opts.nodeName, address: nodeIpFor(opts.nodeIp, opts.bindAddress), clusterInit: !!opts.clusterInit, joinServer: opts.joinServer, token: opts.token, ensureCa, log: opts.log, signal })).catch((e) => {
    if (e instanceof StartInterrupted || e instanceof StartupError) throw e;
    throw new StartupError(e instanceof EtcdMemberError ? e.message : `cannot start the embedded etcd: ${(e as Error).message}`);
  });
  closers.add("skiff server: etcd member", () => started.member.stop());
  return started;
}

async function startParts(opts: ServerOptions, closers: Closers, signal: AbortSignal | undefined): Promise<RunningServer> {
  const step = <T>(p: Promise<T>) => unlessAborted(signal, p);
  const serverDir = join(opts.dataDir, "server");
  try {
    mkdirSync(serverDir, { recursive: true, mode: 0o700 });
    accessSync(serverDir, constants.W_OK);
  } catch (e) {
    throw new StartupError(`data dir ${opts.dataDir} is not writable: ${(e as Error).message}`);
  }

  // Agents dial the server on one of this machine's addresses: all of them go in the certificate, as k3s does.
  const localAddresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address.split("%")[0]!));
  const loadPki = async () => {
    const pki = await step(ensureServerPki(serverDir, { hostname: opts.nodeName, bindAddress: opts.bindAddress, extraSans: [...localAddresses, kubernetesServiceIp(opts.serviceCidr), ...(opts.tlsSans ?? [])] }));
    return { pki, tokens: await step(ensureTokens(serverDir, pki.caPem, { secret: opts.token })) };
  };
  // --cluster-init / --server: an etcd member of this server's own is the datastore.
  const embedded = await startEmbedded(opts, serverDir, loadPki, closers, signal);
  const datastore = embedded
    ? { ...embedded.datastore, prefix: opts.etcdPrefix }
    : { endpoint: opts.datastoreEndpoint, token: opts.datastoreToken, cafile: opts.datastoreCafile, certfile: opts.datastoreCertfile, keyfile: opts.datastoreKeyfile, prefix: opts.etcdPrefix };
  const etcd = configured(() => etcdConnection(datastore));
  // Servers on one etcd share the CA, keys and admin token: a joining server takes the first one's.
  const secrets = etcd && { client: new EtcdClient({ endpoints: etcd.endpoints, tls: etcd.tls }), base: secretsKeyBase(etcd.prefix) };
  const joined = secrets && (await step(configured(() => fetchClusterSecrets(secrets.client, secrets.base, serverDir, clusterSecretOf(serverDir, opts.token)))));
  let { pki, tokens } = await loadPki();
  if (secrets && joined === "first") {
    // The keys the first server would make later are made now, so that they are published with the rest.
    await step(SecretBox.load(serverDir));
    await step(ServiceAccountTokenSigner.open(serverDir));
    ensureAdminToken(serverDir);
    if ((await step(configured(() => publishClusterSecrets(secrets.client, secrets.base, serverDir, tokens.secret)))) === "adopted") ({ pki, tokens } = await loadPki());
  }

  const codec = await secretCodec(serverDir);
  const store = await configured(() => openStore({ ...datastore, defaultFile: join(serverDir, "db", "state.db"), codec, retainChanges: opts.retainChanges, retainMs: opts.retainChangesMs, log: opts.log }));
  closers.add("skiff server: store", () => store.close());
  const registry = new Registry(store, allKinds);
  // CRDs and the kinds stored CRDs define are served before the first request.
  installCustomResources(registry);
  podCidrAllocator(registry, opts.clusterCidr);
  installServiceAllocation(registry, { serviceCidr: opts.serviceCidr });
  installQuotaAdmission(registry);
  installServiceAccountAdmission(registry);
  const serviceAccountTokens = await step(ServiceAccountTokenSigner.open(serverDir));
  await step(bootstrapObjects(registry));
  await step(ensureBootstrapPolicy(registry));
  const authz = new Authorizer(registry);
  installEscalationCheck(registry, authz);
  const userTokens = new UserTokens(registry);

  const admin: UserInfo = { name: "system:admin", groups: ["system:masters", "system:authenticated"] };
  const credentials = new NodeCredentials(registry);
  const serviceAccountUser = serviceAccountAuthenticator(registry, serviceAccountTokens);
  const authenticate = (token: string): UserInfo | undefined => {
    if (token === tokens.adminToken) return admin;
    const node = credentials.nodeOf(token);
    return node ? { name: `system:node:${node}`, groups: ["system:nodes", "system:authenticated"], node } : (serviceAccountUser(token) ?? userTokens.userOf(token));
  };
  // The API's authorization filter decides every request before its route runs, so the
  // routes it reaches (subresources, proxies) need no check of their own; the exec upgrade,
  // answered before the API's routes, asks the same authorizer.
  const authorized = () => {};

  // On a store several servers share (etcd), the loops run on one leader at a time.
  const sharedStore = store instanceof EtcdStore;
  let loops: { controllers: Controller[]; scheduler?: Scheduler; stop(): Promise<void> } | undefined;
  let elector: LeaderElector | undefined;
  const metrics = createServerMetrics({
    source: registrySource(registry),
    store,
    subscribe: (l) => registry.subscribe(l),
    controllers: () => loops?.controllers ?? [],
    scheduler: () => loops?.scheduler,
    leaderElections: () => (elector ? [{ name: CONTROL_PLANE_LEASE, isLeader: elector.isLeader }] : []),
    anonymous: opts.metricsAnonymous,
  });
  const resourceStats = new ResourceStatsCollector();
  const proxy = new NodeProxy(registry, (node) => credentials.proxyTokenOf(node), pki.caPem);
  const subresources = podSubresources(registry, authorized);
  subresources.set("pods/log", proxy.logHandler(authorized));
  for (const [path, handler] of proxySubresources(registry, proxy, authorized)) subresources.set(path, handler);
  subresources.set("serviceaccounts/token", tokenRequestHandler(registry, serviceAccountTokens, authorized));

  const app = createApiApp({
    registry,
    authenticate,
    authorize: authz.authorize,
    impersonate: (caller, headers) => impersonatedUser(authz, caller, headers),
    caPem: pki.caPem,
    anonymousPaths: [JOIN_PATH, ...(embedded ? [SERVER_JOIN_PATH] : []), ...metrics.anonymousPaths],
    extend: (a) => {
      mountJoinRoute(a, registry, credentials, tokens.secret, (node) => issueServingCert(serverDir, node), { serviceCidr: opts.serviceCidr });
      if (embedded && secrets) mountServerJoinRoute(a, { client: secrets.client, secretsBase: secrets.base, clusterSecret: tokens.secret });
      mountReviewRoutes(a, authz);
      metrics.routes(a);
      mountMetricsApi(a, { stats: async () => resourceStats.stats() });
    },
    extraDiscovery: [{ group: metricsApiGroup, aggregated: metricsApiAggregatedDiscovery }, ...reviewDiscovery],
    watchMetrics: metrics.watchMetrics,
    onRequest: metrics.onRequest,
    subresources,
    serverAddress: `${opts.bindAddress}:${opts.httpsPort}`,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    health: {
      livez: [{ name: "ping", check: () => {} }],
      readyz: [
        { name: "ping", check: () => {} },
        { name: "store", check: () => store.ping() },
        metrics.health.controllers,
        // A server that does not lead has no scheduler of its own: the leader's schedules.
        ...(opts.runControllers ? [{ name: "scheduler", check: () => (elector && !elector.isLeader ? undefined : metrics.health.scheduler.check()) }] : []),
      ],
    },
  });

  let server: Server<BridgeData>;
  let front: TlsFront | undefined;
  // The API enforces its own 3 MiB limit with a Status; this only stops abuse earlier.
  const MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
  const door = frontDoor<BridgeData>(
    (req, srv) => {
      const upgraded = tryExecUpgrade(req, srv, { registry, proxy, authenticate, authorize: authz.authorizeKind });
      if (upgraded !== null) return upgraded;
      return app.fetch(req);
    },
    {
      authenticated: (req) => bearerToken(req) !== "" && authenticate(bearerToken(req)) !== undefined,
      clientOf: (port) => front?.clientOf(port),
      // Each request in flight holds a connection: an address allowed more connections may have as many requests open (a fleet behind one NAT).
      maxRequestsPerAddress: Math.max(MAX_REQUESTS_PER_ADDRESS, opts.maxConnectionsPerAddress ?? 0),
    },
  );
  // The TLS front serves requests itself; the HTTP server on a loopback port of its own only gets the WebSocket upgrades.
  try {
    server = Bun.serve<BridgeData>({
      hostname: "127.0.0.1",
      port: 0,
      // Never Bun's error page (sources and paths of this machine), whatever NODE_ENV says.
      development: false,
      fetch: door.fetch,
      error: door.error,
      websocket: execBridgeHandler,
      maxRequestBodySize: MAX_REQUEST_BODY_BYTES,
      // Before a valid token; the front door lengthens it per connection after one.
      idleTimeout: ANONYMOUS_IDLE_SECONDS,
    });
  } catch (e) {
    throw new StartupError(`cannot listen on a loopback port: ${(e as Error).message ?? String(e)}`);
  }
  // stop(true) also ends open connections (watches, exec streams), which would hold a stop forever.
  closers.add("skiff server: API handler", () => server.stop(true));
  try {
    front = startTlsFront({
      hostname: opts.bindAddress,
      port: opts.httpsPort,
      tls: { cert: pki.certPem, key: pki.keyPem },
      upstreamPort: server.port!,
      methods: SERVED_METHODS,
      maxUrlBytes: MAX_URL_BYTES,
      maxHeadBytes: MAX_URL_BYTES + MAX_HEADER_BYTES,
      maxConnectionsPerAddress: opts.maxConnectionsPerAddress ?? MAX_CONNECTIONS_PER_ADDRESS,
      firstRequestSeconds: ANONYMOUS_IDLE_SECONDS,
      log: opts.log,
      takeOver: spdyPortForward({ registry, proxy, authenticate, authorize: authz.authorizeKind }),
      inProcess: { handle: (req, conn) => door.serve(req, conn), idleSeconds: ANONYMOUS_IDLE_SECONDS, maxBodyBytes: MAX_REQUEST_BODY_BYTES },
    });
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/EADDRINUSE|in use/i.test(msg) || (e as { code?: string }).code === "EADDRINUSE") throw new StartupError(`port ${opts.httpsPort} on ${opts.bindAddress} is already in use`);
    throw new StartupError(`cannot listen on ${opts.bindAddress}:${opts.httpsPort}: ${msg}`);
  }
  closers.add("skiff server: API port", () => front?.stop());
  // A server bound to one address is reached there; on every address, on loopback.
  const url = `https://${opts.bindAddress === "0.0.0.0" || opts.bindAddress === "::" ? "127.0.0.1" : opts.bindAddress.includes(":") ? `[${opts.bindAddress}]` : opts.bindAddress}:${front.port}`;
  // On a full data disk the server still starts, read-only: what cannot be written now waits for space.
  const unlessDiskFull = (what: string) => (e: unknown) => {
    if (!isDiskFull(e)) throw e;
    opts.log(`skiff server: the data disk is full, ${what} is not written: free space on it`);
  };
  await step(ensureKubernetesService(registry, nodeIpFor(opts.nodeIp, opts.bindAddress), front.port, opts.serviceCidr, sharedStore).catch(unlessDiskFull("the kubernetes Service")));

  const kubeconfigPath = opts.writeKubeconfig ?? join(opts.dataDir, "kubeconfig.yaml");
  await step(writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.caPem, token: tokens.adminToken }).catch(unlessDiskFull(kubeconfigPath))).catch((e) => {
    if (e instanceof StartInterrupted) throw e;
    throw new StartupError(`cannot write the kubeconfig ${kubeconfigPath}: ${(e as Error).message}`);
  });

  // Without runControllers only the controllers the API itself relies on run (no scheduler).
  const loopOptions: ControlPlaneOptions = { all: opts.runControllers, nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, podEvictionTimeoutMs: opts.podEvictionTimeoutMs, eventTtlMs: opts.eventTtlMs, localStoragePath: opts.defaultLocalStoragePath ?? join(opts.dataDir, "storage"), onScheduleAttempt: metrics.scheduler.attempt, hpa: { podUsage: () => resourceStats.stats().pods, syncPeriodMs: opts.hpaSyncPeriodMs }, caPem: pki.caPem };
  const observeReconciles = (l: { controllers: Controller[] }) => {
    for (const c of l.controllers) c.opts.onReconciled = metrics.onReconciled;
  };
  if (sharedStore) {
    const elected = startLeaderElectedLoops(registry, loopOptions, { name: CONTROL_PLANE_LEASE, identity: electionIdentity(opts.nodeName), timings: opts.leaderElection, log: opts.log }, observeReconciles);
    loops = elected;
    elector = elected.elector;
  } else {
    loops = startControlPlaneLoops(registry, loopOptions);
    observeReconciles(loops);
  }
  closers.add("skiff server: scheduler and controllers", () => loops?.stop());
  if (sharedStore) {
    // Each server names its address in a Lease; the leader keeps the kubernetes Endpoints to the live ones.
    const stopLeases = startApiServerLeases(registry, { nodeName: opts.nodeName, ip: nodeIpFor(opts.nodeIp, opts.bindAddress), port: front.port, isLeader: () => !!elector?.isLeader, log: opts.log });
    closers.add("skiff server: apiserver lease", stopLeases);
  }
  if (embedded && secrets) closers.add("skiff server: etcd member removal", removeMembersOfDeletedNodes(registry, secrets.client, () => !!elector?.isLeader, opts.log));
  metrics.start();
  closers.add("skiff server: metrics", () => metrics.stop());
  // kubectl top: the server pulls each node agent's resource metrics, as metrics-server does.
  const nodeKind = registry.kinds.find((k) => k.kind === "Node")!;
  const pullStats = () => void pullAgents(resourceStats, registry.list(nodeKind, undefined).items.flatMap((n) => {
    const st = n.status as { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined;
    const ip = st?.addresses?.find((a) => a.type === "InternalIP")?.address;
    const port = st?.daemonEndpoints?.kubeletEndpoint?.Port;
    const token = credentials.proxyTokenOf(n.metadata.name!);
    return ip && port && token ? [{ node: n.metadata.name!, base: `https://${ip.includes(":") ? `[${ip}]` : ip}:${port}`, token, caPem: pki.caPem }] : [];
  })).catch(() => {});
  const stopPulls = schedulePulls(pullStats, opts.metricResolutionMs, firstPullDelayMs(opts.hpaSyncPeriodMs, opts.metricResolutionMs));
  closers.add("skiff server: resource metrics pull", stopPulls);
  // k3s's auto-deploy folder: manifests and HelmCharts under DIR/server/manifests.
  const manifests = startManifestsWatcher({ dataDir: opts.dataDir, client: new ApiClient(url, tokens.adminToken, pki.caPem), log: opts.log });
  closers.add("skiff server: manifests watcher", () => manifests.stop());
  const compaction = setInterval(() => void store.compact().catch((e) => opts.log(`compaction failed: ${(e as Error).message}`)), opts.compactIntervalMs);
  closers.add("skiff server: compaction", () => clearInterval(compaction));

  let agent: Agent | undefined;
  if (!opts.disableAgent) {
    // Loaded only here: a control-plane-only server never loads the agent, the podman driver or the node network code.
    const { Agent } = await step(import("../agent/agent.ts"));
    const embedded = (agent = new Agent({
      dataDir: opts.dataDir,
      server: url,
      token: tokens.joinToken,
      nodeName: opts.nodeName,
      // A server on etcd shows as control-plane,etcd in kubectl get nodes, as k3s's HA servers.
      nodeLabels: sharedStore ? { "node-role.kubernetes.io/etcd": "true", ...opts.nodeLabels } : opts.nodeLabels,
      nodeIp: opts.nodeIp,
      runtime: opts.runtime ?? "auto",
      containerRuntimeEndpoint: opts.containerRuntimeEndpoint,
      agentPort: opts.agentPort,
      agentBindAddress: opts.bindAddress,
      isServer: true,
      leaseRenewSeconds: opts.leaseRenewSeconds,
      syncIntervalMs: 5000,
      metricsAnonymous: opts.metricsAnonymous,
      runtimeCommandPrefix: opts.runtimeCommandPrefix,
      flannelBackend: opts.flannelBackend,
      clusterCidr: opts.clusterCidr,
      disableKubeProxy: opts.disableKubeProxy,
      log: opts.log,
    }));
    // Registered before starting: a signal during a slow start (joining, podman) ends it too.
    closers.add("skiff server: embedded agent", () => embedded.stop());
    // As k3s: a server asked to be a node and unable to run pods does not start; the control plane alone is --disable-agent.
    await step(embedded.start()).catch((e) => {
      if (e instanceof StartInterrupted) throw e;
      throw new StartupError(`the embedded agent cannot start: ${(e as Error).message} (--disable-agent runs the control plane alone)`);
    });
  }

  return {
    url,
    caPem: pki.caPem,
    adminToken: tokens.adminToken,
    joinToken: tokens.joinToken,
    kubeconfigPath,
    registry,
    store,
    agent,
    elector,
    /** The agent, the loops and controllers, then the API and its connections, the store last. */
    stop: () => closers.closeAll(),
  };
}
