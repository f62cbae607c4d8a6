// Wires the control plane together: data dir, PKI and tokens, store, registry, HTTP API,
// controllers, compaction; and shuts it down in order.
import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { allKinds } from "../api/kinds/index.ts";
import { Registry } from "../api/registry/registry.ts";
import { createApiApp } from "../api/http/app.ts";
import type { UserInfo } from "../api/http/types.ts";
import { Store } from "../store/store.ts";
import { namespaceController } from "../controllers/namespace.ts";
import type { Controller } from "../controllers/runtime/controller.ts";
import { ensureServerPki } from "./pki/ca.ts";
import { ensureTokens } from "./pki/token.ts";
import { writeKubeconfig } from "./pki/kubeconfig.ts";
import { bootstrapObjects } from "./bootstrap.ts";
import { secretCodec } from "./secret-codec.ts";
import type { ServerOptions } from "./options.ts";

export class StartupError extends Error {}

export type RunningServer = {
  url: string;
  caPem: string;
  adminToken: string;
  joinToken: string;
  kubeconfigPath: string;
  registry: Registry;
  store: Store;
  stop(): Promise<void>;
};

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const serverDir = join(opts.dataDir, "server");
  try {
    mkdirSync(serverDir, { recursive: true, mode: 0o700 });
    accessSync(serverDir, constants.W_OK);
  } catch (e) {
    throw new StartupError(`data dir ${opts.dataDir} is not writable: ${(e as Error).message}`);
  }

  const pki = await ensureServerPki(serverDir, { hostname: opts.nodeName, bindAddress: opts.bindAddress });
  const tokens = await ensureTokens(serverDir, pki.caPem, { secret: opts.token });

  const store = await Store.open({
    url: opts.datastoreEndpoint ?? `file:${join(serverDir, "db", "state.db")}`,
    authToken: opts.datastoreToken,
    codec: await secretCodec(serverDir),
    retainChanges: opts.retainChanges,
  });
  const registry = new Registry(store, allKinds);
  await bootstrapObjects(registry);

  const admin: UserInfo = { name: "system:admin", groups: ["system:masters", "system:authenticated"] };
  const authenticate = (token: string): UserInfo | undefined => (token === tokens.adminToken ? admin : undefined);

  const controllers: Controller[] = [namespaceController(registry)];
  const host = opts.bindAddress === "0.0.0.0" || opts.bindAddress === "::" ? "127.0.0.1" : opts.bindAddress;
  const url = `https://${host.includes(":") ? `[${host}]` : host}:${opts.httpsPort}`;

  const app = createApiApp({
    registry,
    authenticate,
    caPem: pki.caPem,
    serverAddress: `${host}:${opts.httpsPort}`,
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    health: {
      livez: [{ name: "ping", check: () => {} }],
      readyz: [
        { name: "ping", check: () => {} },
        { name: "store", check: () => store.ping() },
      ],
    },
  });

  let server: Server<unknown>;
  try {
    server = Bun.serve({
      hostname: opts.bindAddress,
      port: opts.httpsPort,
      tls: { cert: pki.certPem, key: pki.keyPem },
      fetch: app.fetch,
      // The API enforces its own 3 MiB limit with a Status; this only stops abuse earlier.
      maxRequestBodySize: 16 * 1024 * 1024,
      idleTimeout: 0,
    });
  } catch (e) {
    await store.close();
    const msg = (e as Error).message ?? String(e);
    if (/EADDRINUSE|in use/i.test(msg) || (e as { code?: string }).code === "EADDRINUSE") throw new StartupError(`port ${opts.httpsPort} on ${opts.bindAddress} is already in use`);
    throw new StartupError(`cannot listen on ${opts.bindAddress}:${opts.httpsPort}: ${msg}`);
  }

  const kubeconfigPath = opts.writeKubeconfig ?? join(opts.dataDir, "kubeconfig.yaml");
  await writeKubeconfig(kubeconfigPath, { server: `https://127.0.0.1:${server.port}`, caPem: pki.caPem, token: tokens.adminToken });

  for (const c of controllers) c.start();
  const compaction = setInterval(() => void store.compact().catch((e) => opts.log(`compaction failed: ${(e as Error).message}`)), opts.compactIntervalMs);

  let stopping: Promise<void> | undefined;
  return {
    url: `https://127.0.0.1:${server.port}`,
    caPem: pki.caPem,
    adminToken: tokens.adminToken,
    joinToken: tokens.joinToken,
    kubeconfigPath,
    registry,
    store,
    stop() {
      stopping ??= (async () => {
        clearInterval(compaction);
        // Stop taking requests, let controllers finish their step, drain writes, close the store.
        server.stop(false);
        await Promise.all(controllers.map((c) => c.stop()));
        await store.close();
        server.stop(true);
      })();
      return stopping;
    },
  };
}
