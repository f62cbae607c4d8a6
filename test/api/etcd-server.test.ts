// `skiff server` on etcd: /readyz reports the etcd connection, TLS to etcd with k3s's
// --datastore-cafile/--datastore-certfile/--datastore-keyfile, and endpoints that cannot
// be used stop the start with a message (never a half-started server).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { StartupError } from "../../src/server/start.ts";
import { etcdEndpoints, DatastoreConfigError } from "../../src/store/open.ts";
import { EtcdStore } from "../../src/store/etcd/etcd-store.ts";
import { freshPrefix, startEtcd, type EtcdCluster } from "../support/etcd.ts";
import { apiFetch, freePort, startTestServer, tempDir, type TestServer } from "../support/server.ts";

const fixtureCa = join(import.meta.dir, "../fixtures/pki");
const clusters: EtcdCluster[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.cleanup().catch(() => undefined);
  for (const c of clusters.splice(0)) await c.stop();
});

/** A certificate signed by the fixture CA, for 127.0.0.1, with the given key usage. */
function issue(dir: string, name: string, usage: string): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  Bun.write(ext, `subjectAltName=IP:127.0.0.1\nextendedKeyUsage=${usage}\n`);
  const run = (args: string[]) => {
    const r = Bun.spawnSync(["openssl", ...args], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr.toString()}`);
  };
  run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-subj", `/CN=${name}`, "-out", csr]);
  run(["x509", "-req", "-in", csr, "-CA", join(fixtureCa, "ca.crt"), "-CAkey", join(fixtureCa, "ca.key"), "-CAcreateserial", "-CAserial", join(dir, "ca.srl"), "-days", "1", "-out", cert, "-extfile", ext]);
  return { cert, key };
}

describe("--datastore-endpoint", () => {
  test("http(s):// URLs are etcd members; libsql:// and file: stay libsql; mixing them is refused", () => {
    expect(etcdEndpoints(undefined)).toBeUndefined();
    expect(etcdEndpoints("libsql://db.example:8080")).toBeUndefined();
    expect(etcdEndpoints("file:/var/lib/skiff/state.db")).toBeUndefined();
    expect(etcdEndpoints("https://h1:2379, https://h2:2379,https://h3:2379")).toEqual(["https://h1:2379", "https://h2:2379", "https://h3:2379"]);
    expect(() => etcdEndpoints("https://h1:2379,libsql://db")).toThrow(DatastoreConfigError);
    expect(() => etcdEndpoints("libsql://a,libsql://b")).toThrow(DatastoreConfigError);
  });

  test("an etcd that does not answer stops the start with a StartupError naming it", async () => {
    const dead = `http://127.0.0.1:${freePort()}`;
    const err = await startTestServer({ datastoreEndpoint: dead }).then(
      (s) => {
        servers.push(s);
        return undefined;
      },
      (e) => e,
    );
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain(`etcd is unavailable at ${dead}`);
  });

  test("TLS files with a libsql endpoint are refused", async () => {
    const err = await startTestServer({ datastoreCafile: join(fixtureCa, "ca.crt") }).catch((e) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain("are for an etcd --datastore-endpoint");
  });
});

describe("a server on etcd", () => {
  test("/readyz reports the etcd connection: ok, then failing once etcd is gone", async () => {
    const etcd = await startEtcd(1);
    clusters.push(etcd);
    const server = await startTestServer({ datastoreEndpoint: etcd.endpoints[0], etcdPrefix: freshPrefix() });
    servers.push(server);
    expect(server.store).toBeInstanceOf(EtcdStore);
    const ok = await apiFetch(server, "/readyz?verbose");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("[+]store ok");
    // /metrics shows the etcd requests by operation, and etcd's database size.
    const metrics = await (await apiFetch(server, "/metrics")).text();
    expect(metrics).toMatch(/^etcd_request_duration_seconds_count\{operation="txn"\} [1-9]/m);
    expect(metrics).toMatch(/^etcd_request_duration_seconds_count\{operation="status"\} [1-9]/m);
    expect(metrics).toMatch(/^skiff_store_db_size_bytes [1-9]/m);
    await etcd.kill(0);
    const down = await apiFetch(server, "/readyz?verbose");
    expect(down.status).toBe(500);
    const text = await down.text();
    expect(text).toContain("[-]store failed");
    expect(text).not.toContain("    at ");
    // A write while etcd is gone: a Status saying so, not an internal error.
    const write = await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "no-etcd" } }) });
    expect(write.status).toBe(503);
    expect(await write.json()).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", message: "the datastore (etcd) does not answer: retry later" });
    // And the server still stops.
    servers.splice(0);
    const stopped = performance.now();
    await server.cleanup();
    expect(performance.now() - stopped).toBeLessThan(15_000);
  }, 60_000);

  test("Services created side by side get distinct ClusterIPs: allocation sees the writes planned before it", async () => {
    const etcd = await startEtcd(1);
    clusters.push(etcd);
    const server = await startTestServer({ datastoreEndpoint: etcd.endpoints[0], etcdPrefix: freshPrefix() });
    servers.push(server);
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        apiFetch(server, "/api/v1/namespaces/default/services", { method: "POST", body: JSON.stringify({ metadata: { name: `svc-${i}` }, spec: { type: "NodePort", ports: [{ port: 80 }] } }) }).then(async (r) => {
          expect(r.status).toBe(201);
          return (await r.json()) as { spec: { clusterIP: string; ports: { nodePort: number }[] } };
        }),
      ),
    );
    expect(new Set(created.map((s) => s.spec.clusterIP)).size).toBe(30);
    expect(new Set(created.map((s) => s.spec.ports[0]!.nodePort)).size).toBe(30);
  }, 60_000);

  test("TLS to etcd with --datastore-cafile, --datastore-certfile and --datastore-keyfile", async () => {
    const dir = tempDir("skiff-etcd-tls-");
    try {
      const member = issue(dir, "etcd", "serverAuth,clientAuth");
      const client = issue(dir, "skiff", "clientAuth");
      const etcd = await startEtcd(1, { certFile: member.cert, keyFile: member.key, trustedCaFile: join(fixtureCa, "ca.crt"), clientCertFile: client.cert, clientKeyFile: client.key });
      clusters.push(etcd);
      expect(etcd.endpoints[0]!.startsWith("https://")).toBe(true);
      // Without a client certificate etcd refuses the connection.
      const refused = await startTestServer({ datastoreEndpoint: etcd.endpoints[0], datastoreCafile: join(fixtureCa, "ca.crt"), etcdPrefix: freshPrefix() }).catch((e) => e);
      expect(refused).toBeInstanceOf(StartupError);
      const server = await startTestServer({
        datastoreEndpoint: etcd.endpoints[0],
        datastoreCafile: join(fixtureCa, "ca.crt"),
        datastoreCertfile: client.cert,
        datastoreKeyfile: client.key,
        etcdPrefix: freshPrefix(),
      });
      servers.push(server);
      const res = await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "over-tls" } }) });
      expect(res.status).toBe(201);
      expect((await apiFetch(server, "/readyz")).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
