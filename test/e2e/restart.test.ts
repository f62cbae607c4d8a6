// Durability: kill -9 the server while it is writing; every acknowledged object must be
// there after a restart, resourceVersions must go on from where they were, and a watch
// resumes from the last revision it saw.
import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { apiFetch, freePort, tempDir } from "../support/server.ts";

// Real processes and containers: steps take seconds, not milliseconds.
setDefaultTimeout(180_000);

const dir = tempDir("skiff-restart-");
const port = freePort();
let skiff: SkiffProcess | undefined;
afterAll(async () => {
  skiff?.proc.kill("SIGKILL");
  await skiff?.proc.exited;
  rmSync(dir, { recursive: true, force: true });
});

async function start() {
  skiff = spawnSkiff(skiffCommand("source"), ["server", "--data-dir", dir, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--disable-agent"]);
  await skiff.waitFor(/ready at/);
  const caPem = readFileSync(join(dir, "server/tls/ca.crt"), "utf8");
  const kubeconfig = readFileSync(join(dir, "kubeconfig.yaml"), "utf8");
  const adminToken = kubeconfig.match(/token: (\S+)/)![1]!;
  return { url: `https://127.0.0.1:${port}`, caPem, adminToken };
}

test("acknowledged writes survive SIGKILL and revisions continue", async () => {
  let server = await start();
  const acknowledged = new Map<string, string>();
  let maxRv = 0;
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      try {
        const res = await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name }, data: { i: String(i) } }) });
        if (res.status === 201) {
          const obj = await (res.json() as Promise<any>);
          acknowledged.set(name, obj.metadata.uid);
          maxRv = Math.max(maxRv, Number(obj.metadata.resourceVersion));
        }
      } catch {
        return; // the server is gone
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  await Bun.sleep(1500);
  skiff!.proc.kill("SIGKILL");
  stop = true;
  await Promise.all(writers);
  await skiff!.proc.exited;
  expect(acknowledged.size).toBeGreaterThan(50);

  server = await start();
  const list = await ((await apiFetch(server, "/api/v1/namespaces/default/configmaps")).json() as Promise<any>);
  const stored = new Map<string, string>(list.items.map((o: { metadata: { name: string; uid: string } }) => [o.metadata.name, o.metadata.uid]));
  for (const [name, uid] of acknowledged) expect(stored.get(name)).toBe(uid);
  expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(maxRv);

  const next = await ((await apiFetch(server, "/api/v1/namespaces/default/configmaps", { method: "POST", body: JSON.stringify({ metadata: { name: "after-restart" } }) })).json() as Promise<any>);
  expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(list.metadata.resourceVersion));

  // A watch from the revision before the restart's write replays that write.
  const ac = new AbortController();
  const res = await apiFetch(server, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, { signal: ac.signal });
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("\n")) text += new TextDecoder().decode((await reader.read()).value);
  ac.abort();
  const event = JSON.parse(text.split("\n")[0]!);
  expect(event.type).toBe("ADDED");
  expect(event.object.metadata.name).toBe("after-restart");
});
