// Starts a real skiff server for a test: in this process (fast, for API tests) or as a
// child process (for kill -9 and the compiled binary), on a temp data dir and free port.
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { defaultServerOptions, type ServerOptions } from "../../src/server/options.ts";
import { startServer, type RunningServer } from "../../src/server/start.ts";

export function tempDir(prefix = "skiff-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const fixtureCa = join(import.meta.dir, "../fixtures/pki");

/**
 * Give a data dir the fixed test CA, which this test process trusts through
 * NODE_EXTRA_CA_CERTS (set by `npm test`): the official client needs that under Bun.
 */
export function seedTestCa(dataDir: string): void {
  const trusted = process.env.NODE_EXTRA_CA_CERTS ? realpathSync(process.env.NODE_EXTRA_CA_CERTS) : "";
  if (trusted !== realpathSync(join(fixtureCa, "ca.crt"))) {
    throw new Error(`run the tests with NODE_EXTRA_CA_CERTS=test/fixtures/pki/ca.crt (npm test sets it); got "${process.env.NODE_EXTRA_CA_CERTS ?? ""}"`);
  }
  const tls = join(dataDir, "server", "tls");
  mkdirSync(tls, { recursive: true, mode: 0o700 });
  for (const f of ["ca.crt", "ca.key"]) copyFileSync(join(fixtureCa, f), join(tls, f));
}

export type TestServer = RunningServer & { dataDir: string; cleanup(): Promise<void> };

/**
 * SKIFF_TEST_DATASTORE=etcd puts every test server of the process on one real etcd (each
 * under a key prefix of its own) instead of its own SQLite file.
 */
async function testDatastore(dataDir: string, overrides: Partial<ServerOptions>): Promise<Partial<ServerOptions>> {
  if (process.env.SKIFF_TEST_DATASTORE !== "etcd" || overrides.datastoreEndpoint) return {};
  const { sharedEtcd } = await import("./etcd.ts");
  // The prefix follows the data dir: a server restarted on the same dir finds its objects again.
  return { datastoreEndpoint: (await sharedEtcd()).endpoints.join(","), etcdPrefix: `/skiff-test-${basename(dataDir)}/registry/` };
}

export async function startTestServer(overrides: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? tempDir();
  seedTestCa(dataDir);
  const datastore = await testDatastore(dataDir, overrides);
  const server = await startServer({
    ...defaultServerOptions(),
    dataDir,
    bindAddress: "127.0.0.1",
    httpsPort: 0,
    nodeName: "test-node",
    disableAgent: true,
    // API tests check the API itself; tests that want the scheduler and controllers ask for them.
    runControllers: false,
    log: () => {},
    ...datastore,
    ...overrides,
  });
  return {
    ...server,
    dataDir,
    async cleanup() {
      await server.stop();
      if (!overrides.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch against the test server with the admin token and its CA. */
export function apiFetch(server: { url: string; caPem: string; adminToken: string }, path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? server.adminToken : init.token;
  if (token) headers.set("Authorization", `Bearer ${token}`);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("Content-Type", "application/json");
  return fetch(server.url + path, { ...init, headers, tls: { ca: server.caPem } } as RequestInit);
}

export function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}
