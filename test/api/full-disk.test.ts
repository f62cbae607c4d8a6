// A full data disk, on a real small file system (tmpfs) holding the data dir: writes get
// a 507 Status instead of a 500, /readyz says the store is not writable, deletions still
// succeed (the store's space reserve), a restart on the full disk starts read-only, and
// nothing acknowledged is lost.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { apiFetch, startTestServer, type TestServer } from "../support/server.ts";

const dataDir = mkdtempSync(join(tmpdir(), "skiff-full-disk-"));
const servers: TestServer[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("this test mounts a tmpfs and must run as root (sudo npm test)");
  await execa("mount", ["-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", dataDir]);
});

afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => {});
  // Lazy: a store closed on the full disk keeps its connection (and files) open until exit.
  await execa("umount", ["-l", dataDir], { reject: false });
  rmdirSync(dataDir);
});

/** Fill the file system with files named filler-N until it refuses another byte. */
function fill(name: string): void {
  const fd = openSync(join(dataDir, name), "w");
  try {
    for (const size of [1 << 20, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const cm = (name: string, size = 2048) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "x".repeat(size) } });
const base = "/api/v1/namespaces/full/configmaps";

async function expectInsufficientStorage(res: Response, what: string) {
  const body = await res.text();
  expect({ what, status: res.status }).toEqual({ what, status: 507 });
  const status = JSON.parse(body);
  expect(status).toMatchObject({ kind: "Status", status: "Failure", code: 507, reason: "InsufficientStorage" });
  expect(status.message).toMatch(/data disk .*full/);
  expect(body).not.toMatch(/SQLITE|\/tmp\/|at .*\.ts:\d+/);
}

async function readyz(server: TestServer): Promise<{ status: number; body: string }> {
  const res = await apiFetch(server, "/readyz?verbose");
  return { status: res.status, body: await res.text() };
}

test("a full data disk: 507 for writes, readyz not ready, deletions succeed, restart read-only, nothing acknowledged lost", async () => {
  const first = await startTestServer({ dataDir });
  servers.push(first);
  expect((await apiFetch(first, "/api/v1/namespaces", { method: "POST", body: JSON.stringify({ metadata: { name: "full" } }) })).status).toBe(201);
  const acknowledged = new Set<string>();
  for (let i = 0; i < 20; i++) {
    expect((await apiFetch(first, base, { method: "POST", body: cm(`before-${i}`) })).status).toBe(201);
    acknowledged.add(`before-${i}`);
  }

  fill("filler-1");
  // Space inside the database and its WAL may take a few more; then the disk says no.
  let refused: Response | undefined;
  for (let i = 0; i < 5000 && !refused; i++) {
    const res = await apiFetch(first, base, { method: "POST", body: cm(`during-${i}`, 8192) });
    if (res.status === 201) acknowledged.add(`during-${i}`);
    else refused = res;
  }
  expect(refused).toBeDefined();
  await expectInsufficientStorage(refused!, "the create that met the full disk");
  await expectInsufficientStorage(await apiFetch(first, base, { method: "POST", body: cm("after") }), "a later create");
  await expectInsufficientStorage(
    await apiFetch(first, `${base}/before-0`, { method: "PATCH", headers: { "Content-Type": "application/merge-patch+json" }, body: JSON.stringify({ data: { v: "changed" } }) }),
    "an update",
  );
  const notReady = await readyz(first);
  expect(notReady.status).toBe(500);
  expect(notReady.body).toContain("[-]store failed: not writable: the data disk is full");

  // Deletions go through: the reserve released when the disk filled gives them room.
  for (let i = 0; i < 10; i++) {
    const res = await apiFetch(first, `${base}/before-${i}`, { method: "DELETE" });
    expect({ i, status: res.status }).toEqual({ i, status: 200 });
    acknowledged.delete(`before-${i}`);
  }
  expect((await apiFetch(first, `${base}/before-0`)).status).toBe(404);
  // The refused writes left nothing behind in the server's memory either.
  expect((await apiFetch(first, `${base}/after`)).status).toBe(404);
  const before10 = (await (await apiFetch(first, `${base}/before-10`)).json()) as { data: { v: string } };
  expect(before10.data.v).toBe("x".repeat(2048));
  const firstList = ((await (await apiFetch(first, base)).json()) as { items: { metadata: { name: string } }[] }).items.map((o) => o.metadata.name);
  expect(new Set(firstList)).toEqual(acknowledged);

  // Whatever the deletions left free is taken too, then the server restarts on the full disk.
  fill("filler-2");
  await first.stop();
  servers.pop();
  const second = await startTestServer({ dataDir });
  servers.push(second);
  const listed = await apiFetch(second, base);
  expect(listed.status).toBe(200);
  const names = ((await listed.json()) as { items: { metadata: { name: string } }[] }).items.map((o) => o.metadata.name);
  expect(new Set(names)).toEqual(acknowledged);
  await expectInsufficientStorage(await apiFetch(second, base, { method: "POST", body: cm("on-restart") }), "a create after the restart");
  expect((await readyz(second)).body).toContain("[-]store failed: not writable");

  // Space comes back: ready again (the reserve is made again first), writes accepted.
  rmSync(join(dataDir, "filler-1"));
  rmSync(join(dataDir, "filler-2"));
  let ready = await readyz(second);
  for (let i = 0; i < 20 && ready.status !== 200; i++) {
    await Bun.sleep(500);
    ready = await readyz(second);
  }
  expect(ready).toEqual({ status: 200, body: expect.stringContaining("[+]store ok") });
  expect((await apiFetch(second, base, { method: "POST", body: cm("space-back") })).status).toBe(201);
  acknowledged.add("space-back");
  await second.stop();
  servers.pop();

  const third = await startTestServer({ dataDir });
  servers.push(third);
  const final = ((await (await apiFetch(third, base)).json()) as { items: { metadata: { name: string } }[] }).items.map((o) => o.metadata.name);
  expect(new Set(final)).toEqual(acknowledged);
});
