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
import { DatastoreConfigError, openStore } from "../store/open.ts";
import { EtcdUnavailableError } from "../store/etcd/client.ts";
import { isDiskFull } from "../store/disk-reserve.ts";
import { ensureServerPki, issueServingCert } from "./pki/ca.ts";
import { ensureTokens } from "./pki/token.ts";
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
import { nodeIpFor } from "../agent/node-info.ts";
import { startManifestsWatcher } from "./manifests/manifests-watcher.ts";
import { startControlPlaneLoops } from "../controllers/index.ts";
import { createServerMetrics } from "./metrics/server-metrics.ts";
import { registrySource } from "./metrics/object-source.ts";
import { metricsApiAggregatedDiscovery, metricsApiGroup, mountMetricsApi } from "./metrics/metrics-api.ts";
import { ResourceStatsCollector, pullAgents } from "./metrics/resource-stats.ts";
import { firstPullDelayMs, schedulePulls } from "./metrics/pull-schedule.ts";
import { ApiClient } from "../client/api-client.ts";
import { Closers, StartInterrupted, unlessAborted } from "../lifecycle/closers.ts";

export class StartupError extends Error {}

export type RunningServer = {
  url: string;
  caPem: string;
  adminToken: string;
  joinToken: string;
  kubeconfigPath: string;
  registry: Registry;
  store: Store;
  agent?: Agent;
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
  const pki = await step(ensureServerPki(serverDir, { hostname: opts.nodeName, bindAddress: opts.bindAddress, extraSans: [...localAddresses, kubernetesServiceIp(opts.serviceCidr), ...(opts.tlsSans ?? [])] }));
  const tokens = await step(ensureTokens(serverDir, pki.caPem, { secret: opts.token }));

  const store = await openStore({
    endpoint: opts.datastoreEndpoint,
    defaultFile: join(serverDir, "db", "state.db"),
    token: opts.datastoreToken,
    cafile: opts.datastoreCafile,
    certfile: opts.datastoreCertfile,
    keyfile: opts.datastoreKeyfile,
    prefix: opts.etcdPrefix,
    codec: await secretCodec(serverDir),
    retainChanges: opts.retainChanges,
    retainMs: opts.retainChangesMs,
    log: opts.log,
  }).catch((e) => {
    if (e instanceof DatastoreConfigError || e instanceof EtcdUnavailableError) throw new StartupError(e.message);
    throw e;
  });
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

  let loops: ReturnType<typeof startControlPlaneLoops> | undefined;
  const metrics = createServerMetrics({
    source: registrySource(registry),
    store,
    subscribe: (l) => registry.subscribe(l),
    controllers: () => loops?.controllers ?? [],
    scheduler: () => loops?.scheduler,
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
    anonymousPaths: [JOIN_PATH, ...metrics.anonymousPaths],
    extend: (a) => {
      mountJoinRoute(a, registry, credentials, tokens.secret, (node) => issueServingCert(serverDir, node), { serviceCidr: opts.serviceCidr });
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
        ...(opts.runControllers ? [metrics.health.scheduler] : []),
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
  const url = `https://127.0.0.1:${front.port}`;
  // On a full data disk the server still starts, read-only: what cannot be written now waits for space.
  const unlessDiskFull = (what: string) => (e: unknown) => {
    if (!isDiskFull(e)) throw e;
    opts.log(`skiff server: the data disk is full, ${what} is not written: free space on it`);
  };
  await step(ensureKubernetesService(registry, nodeIpFor(opts.nodeIp, opts.bindAddress), front.port, opts.serviceCidr).catch(unlessDiskFull("the kubernetes Service")));

  const kubeconfigPath = opts.writeKubeconfig ?? join(opts.dataDir, "kubeconfig.yaml");
  await step(writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.caPem, token: tokens.adminToken }).catch(unlessDiskFull(kubeconfigPath))).catch((e) => {
    if (e instanceof StartInterrupted) throw e;
    throw new StartupError(`cannot write the kubeconfig ${kubeconfigPath}: ${(e as Error).message}`);
  });

  // Without runControllers only the controllers the API itself relies on run (no scheduler).
  loops = startControlPlaneLoops(registry, { all: opts.runControllers, nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, podEvictionTimeoutMs: opts.podEvictionTimeoutMs, eventTtlMs: opts.eventTtlMs, localStoragePath: opts.defaultLocalStoragePath ?? join(opts.dataDir, "storage"), onScheduleAttempt: metrics.scheduler.attempt, hpa: { podUsage: () => resourceStats.stats().pods, syncPeriodMs: opts.hpaSyncPeriodMs }, caPem: pki.caPem });
  closers.add("skiff server: scheduler and controllers", () => loops?.stop());
  for (const c of loops.controllers) c.opts.onReconciled = metrics.onReconciled;
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
      nodeLabels: opts.nodeLabels,
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
    /** The agent, the loops and controllers, then the API and its connections, the store last. */
    stop: () => closers.closeAll(),
  };
}
