// The API suites of CRUD, watch and patch, against servers whose store is a real etcd
// (SKIFF_TEST_DATASTORE=etcd in test/support/server.ts) instead of a SQLite file. They run
// in a bun test process of their own: test files of one process share their modules and
// environment, and the other files' servers stay on SQLite.
import { expect, test } from "bun:test";
import { basename, join } from "node:path";
import { EtcdStore } from "../../src/store/etcd/etcd-store.ts";
import { b64, prefixEnd, unb64 } from "../../src/store/etcd/client.ts";
import { apiFetch, startTestServer } from "../support/server.ts";
import { sharedEtcd } from "../support/etcd.ts";

const root = join(import.meta.dir, "../..");
const suites = ["test/api/crud.test.ts", "test/api/watch.test.ts", "test/api/patch.test.ts"];

test("the CRUD, watch and patch API suites pass against servers on etcd", async () => {
  const proc = Bun.spawn([join(root, "node_modules/.bin/bun"), "test", "--timeout", "180000", ...suites], {
    cwd: root,
    env: { ...process.env, SKIFF_TEST_DATASTORE: "etcd" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const text = out + err;
  const count = (word: string) => Number(new RegExp(`^\\s*(\\d+) ${word}$`, "m").exec(text)?.[1] ?? NaN);
  expect({ code, failed: count("fail"), failures: text.match(/^\(fail\).*$/gm) ?? [] }).toEqual({ code: 0, failed: 0, failures: [] });
  // As many as the suites hold on SQLite (26 when this was written), none skipped.
  expect(count("pass")).toBeGreaterThanOrEqual(26);
  expect(text).toContain(`across ${suites.length} files`);
}, 600_000);

test("a server on etcd keeps its objects there, under its prefix, with resourceVersion = mod_revision", async () => {
  const etcd = await sharedEtcd();
  const prefix = "/skiff-api-check/registry/";
  const server = await startTestServer({ datastoreEndpoint: etcd.endpoints[0], etcdPrefix: prefix });
  try {
    expect(server.store).toBeInstanceOf(EtcdStore);
    const res = await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "in-etcd" }, data: { a: "b" } }) });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { metadata: { resourceVersion: string } };
    const client = (server.store as EtcdStore).client;
    const keys = (await client.range(b64(prefix), prefixEnd(prefix), { keys_only: true })).kvs!.map((kv) => unb64(kv.key));
    expect(keys).toContain(`${prefix}configmaps/default/in-etcd`);
    const kv = (await client.range(b64(`${prefix}configmaps/default/in-etcd`), undefined)).kvs![0]!;
    expect(kv.mod_revision).toBe(created.metadata.resourceVersion);
    expect(JSON.parse(unb64(kv.value)).data).toEqual({ a: "b" });
    expect(unb64(kv.value)).not.toContain("resourceVersion");
  } finally {
    await server.cleanup();
  }
});

test("SKIFF_TEST_DATASTORE=etcd gives a test server a prefix named after its data dir, so a restart finds its objects", async () => {
  const before = process.env.SKIFF_TEST_DATASTORE;
  process.env.SKIFF_TEST_DATASTORE = "etcd";
  try {
    const server = await startTestServer();
    try {
      expect(server.store).toBeInstanceOf(EtcdStore);
      const keys = (await (server.store as EtcdStore).client.range(b64("/skiff-test-"), prefixEnd("/skiff-test-"), { keys_only: true })).kvs!.map((kv) => unb64(kv.key));
      expect(keys).toContain(`/skiff-test-${basename(server.dataDir)}/registry/namespaces//default`);
    } finally {
      await server.cleanup();
    }
  } finally {
    if (before === undefined) delete process.env.SKIFF_TEST_DATASTORE;
    else process.env.SKIFF_TEST_DATASTORE = before;
  }
});
