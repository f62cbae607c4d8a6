// `skiff server` as users meet it: a clear message and a non-zero exit for a taken port,
// an unwritable data dir or a corrupt store; a clean exit on SIGTERM; Secrets encrypted at rest.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { skiffCommand, spawnSkiff } from "../support/process.ts";
import { apiFetch, freePort, seedTestCa, tempDir } from "../support/server.ts";

// Real processes: steps take seconds, not milliseconds.
setDefaultTimeout(120_000);

const dirs: string[] = [];
const dir = () => {
  const d = tempDir("skiff-cli-");
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const server = (dataDir: string, port: number) =>
  spawnSkiff(skiffCommand("source"), ["server", "--data-dir", dataDir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent"]);

test("a taken port is refused with a clear message", async () => {
  const port = freePort();
  const blocker = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
  const s = server(dir(), port);
  expect(await s.proc.exited).toBe(1);
  blocker.stop(true);
  expect(s.output()).toContain(`port ${port} on 127.0.0.1 is already in use`);
});

test("an unwritable data dir is refused with a clear message", async () => {
  const file = join(dir(), "not-a-dir");
  writeFileSync(file, "x");
  const s = server(join(file, "data"), freePort());
  expect(await s.proc.exited).toBe(1);
  expect(s.output()).toMatch(/data dir .* is not writable/);
});

test("a corrupt store is refused with a clear message", async () => {
  const d = dir();
  mkdirSync(join(d, "server", "db"), { recursive: true });
  writeFileSync(join(d, "server", "db", "state.db"), Buffer.alloc(8192, 0x5a));
  const s = server(d, freePort());
  expect(await s.proc.exited).toBe(1);
  expect(s.output()).toMatch(/store .* is corrupt/);
});

test("Secrets are encrypted in the database; SIGTERM shuts down cleanly", async () => {
  const d = dir();
  seedTestCa(d);
  const port = freePort();
  const s = server(d, port);
  await s.waitFor(/ready at/);
  const kubeconfig = readFileSync(join(d, "kubeconfig.yaml"), "utf8");
  const target = { url: `https://127.0.0.1:${port}`, caPem: readFileSync(join(d, "server/tls/ca.crt"), "utf8"), adminToken: kubeconfig.match(/token: (\S+)/)![1]! };
  const res = await apiFetch(target, "/api/v1/namespaces/default/secrets", { method: "POST", body: JSON.stringify({ metadata: { name: "s" }, stringData: { password: "plain-text-canary" } }) });
  expect(res.status).toBe(201);
  const read = (await (await apiFetch(target, "/api/v1/namespaces/default/secrets/s")).json()) as { data: { password: string } };
  expect(Buffer.from(read.data.password, "base64").toString()).toBe("plain-text-canary");
  s.proc.kill("SIGTERM");
  expect(await s.proc.exited).toBe(0);
  const stored = Buffer.concat([readFileSync(join(d, "server/db/state.db")), readFileSync(join(d, "server/db/state.db-wal"), { flag: "a+" })]);
  expect(stored.includes(Buffer.from("plain-text-canary"))).toBe(false);
  expect(stored.includes(Buffer.from(Buffer.from("plain-text-canary").toString("base64")))).toBe(false);
  expect(stored.includes(Buffer.from("k8s:enc:aesgcm:v1:"))).toBe(true);
});
