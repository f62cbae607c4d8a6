// The API suites of CRUD, watch and patch, against servers whose store is a real etcd
// (SKIFF_TEST_DATASTORE=etcd in test/support/server.ts) instead of a SQLite file.
import { expect, test } from "bun:test";
import { basename } from "node:path";
import { EtcdStore } from "../../src/store/etcd/etcd-store.ts";
import { b64, EtcdClient, prefixEnd, unb64 } from "../../src/store/etcd/client.ts";
import { apiFetch, startTestServer } from "../support/server.ts";

process.env.SKIFF_TEST_DATASTORE = "etcd";
await import("./crud.test.ts");
await import("./watch.test.ts");
await import("./patch.test.ts");

test("servers of this file keep their objects in etcd, under a prefix of their own", async () => {
  const server = await startTestServer();
  try {
    expect(server.store).toBeInstanceOf(EtcdStore);
    const res = await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "in-etcd" }, data: { a: "b" } }) });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { metadata: { resourceVersion: string } };
    const client = (server.store as EtcdStore).client;
    const prefix = server.store instanceof EtcdStore ? (await client.range(b64("/"), prefixEnd("/"), { keys_only: true })).kvs!.map((kv) => unb64(kv.key)).find((k) => k.endsWith("/configmaps/default/in-etcd")) : undefined;
    expect(prefix).toBe(`/skiff-test-${basename(server.dataDir)}/registry/configmaps/default/in-etcd`);
    const kv = (await client.range(b64(prefix!), undefined)).kvs![0]!;
    expect(kv.mod_revision).toBe(created.metadata.resourceVersion);
    expect(JSON.parse(unb64(kv.value)).data).toEqual({ a: "b" });
    expect(unb64(kv.value)).not.toContain("resourceVersion");
  } finally {
    await server.cleanup();
  }
});
