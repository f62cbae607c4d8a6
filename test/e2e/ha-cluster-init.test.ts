// The README's HA commands, run as written (with this test's addresses and data dirs added):
// `skiff server --cluster-init` and two `skiff server --server … --token …` form a 3-member
// embedded etcd cluster with TLS from the cluster CA; an object written through the third
// server is read through the first; a SIGKILLed server starts again on its data dir (its
// orphaned member stopped first); `kubectl delete node` of a server removes its etcd member;
// every server and its etcd member stop within 10 s of SIGTERM. All inside a network
// namespace of the test's own, each server on an address of its own (127.0.0.11-13).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { createNetns, type TestNetns } from "../support/netns.ts";
import { requireEtcd } from "../support/etcd.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { eventually } from "../support/cluster.ts";
import { kubectlOk } from "../support/kubectl.ts";

setDefaultTimeout(180_000);

type Server = { name: string; ip: string; dir: string; proc?: SkiffProcess };
const servers: Server[] = ["a", "b", "c"].map((n, i) => ({ name: `ha-init-${n}`, ip: `127.0.0.${11 + i}`, dir: "" }));
const [A, B, C] = servers as [Server, Server, Server];
let netns: TestNetns;
let token = "";

/** The README's HA block: its `skiff server` lines, comments dropped. */
function readmeServerCommands(): string[] {
  const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
  const section = readme.split("## Several servers (HA)")[1]!;
  const block = section.split("```sh\n")[1]!.split("```")[0]!;
  return block.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => l.startsWith("skiff server"));
}

/** A README line as argv: the example address becomes the first server's, the token file's contents the token. */
function argvOf(line: string): string[] {
  const replaced = line.replace("10.0.0.1", A.ip).replace(`"$(cat /var/lib/skiff/server/token)"`, token);
  return replaced.split(/\s+/).slice(1);
}

const k = (s: Server, args: string[], input?: string) => kubectlOk(join(s.dir, "kubeconfig.yaml"), args, { input, prefix: netns.prefix, timeoutMs: 60_000 });

async function members(s: Server): Promise<{ name: string; clientURLs?: string[] }[]> {
  const etcdTls = join(s.dir, "server", "etcd", "tls");
  const r = await execa(netns.prefix[0]!, [...netns.prefix.slice(1), "curl", "-s", "--max-time", "5", "--cacert", join(s.dir, "server", "tls", "ca.crt"), "--cert", join(etcdTls, "client.crt"), "--key", join(etcdTls, "client.key"), "-X", "POST", "-d", "{}", `https://${s.ip}:2379/v3/cluster/member/list`]);
  return (JSON.parse(r.stdout) as { members: { name: string; clientURLs?: string[] }[] }).members;
}

async function start(s: Server, args: string[]) {
  s.dir ||= tempDir(`skiff-${s.name}-`);
  s.proc = spawnSkiff([...netns.prefix, ...skiffCommand("source")], [...args, "--data-dir", s.dir, "--bind-address", s.ip, "--node-name", s.name, "--disable-agent"]);
  await s.proc.waitFor(/ready at/, 120_000);
}

const etcdProcessesOf = async (s: Server) => (await execa("pgrep", ["-f", "--", `--data-dir ${join(s.dir, "server", "etcd", "data")}`], { reject: false })).stdout.trim();

beforeAll(async () => {
  requireEtcd();
  netns = await createNetns("hainit");
});

afterAll(async () => {
  for (const s of servers) {
    if (s.proc && s.proc.proc.exitCode === null) {
      s.proc.proc.kill("SIGKILL");
      await s.proc.proc.exited;
    }
    // An etcd member left behind by a killed server: by its PID.
    if (s.dir) for (const pid of (await etcdProcessesOf(s)).split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  }
  await netns?.destroy();
});

describe("--cluster-init and two joining servers, from the README", () => {
  test("form a 3-member etcd cluster that serves one API", async () => {
    const commands = readmeServerCommands();
    expect(commands.length).toBe(2);
    await start(A, argvOf(commands[0]!));
    token = readFileSync(join(A.dir, "server", "token"), "utf8").trim();
    await start(B, argvOf(commands[1]!));
    await start(C, argvOf(commands[1]!));

    const list = await members(A);
    expect(list.map((m) => m.name).sort()).toEqual([A.name, B.name, C.name]);
    expect(list.flatMap((m) => m.clientURLs ?? []).sort()).toEqual(servers.map((s) => `https://${s.ip}:2379`));
    // One CA and one admin token: C's kubeconfig writes, A's reads it back.
    expect(readFileSync(join(C.dir, "server", "tls", "ca.crt"), "utf8")).toBe(readFileSync(join(A.dir, "server", "tls", "ca.crt"), "utf8"));
    await k(C, ["create", "configmap", "written-on-c", "--from-literal", "k=v"]);
    const read = await eventually("A to serve C's write", async () => (await k(A, ["get", "configmap", "written-on-c", "-o", "jsonpath={.data.k}"]).catch(() => "")) || undefined, 20_000, 200);
    expect(read).toBe("v");
  });

  test("the server-join route answers bad tokens and bad requests with a Status, and adds no member", async () => {
    const post = async (auth: string, body: string) => {
      const r = await execa(netns.prefix[0]!, [...netns.prefix.slice(1), "curl", "-s", "--max-time", "10", "--cacert", join(A.dir, "server", "tls", "ca.crt"), "-H", `Authorization: Bearer ${auth}`, "-X", "POST", "-d", body, `https://${A.ip}:6443/v1-skiff/server-join`]);
      return JSON.parse(r.stdout) as { kind: string; code: number; message: string };
    };
    const good = { name: "intruder", peerUrl: "https://127.0.0.99:2380", clientUrl: "https://127.0.0.99:2379" };
    expect(await post("K10::server:wrong", JSON.stringify(good))).toMatchObject({ kind: "Status", code: 401 });
    expect(await post(token, "{not json")).toMatchObject({ kind: "Status", code: 400 });
    expect(await post(token, JSON.stringify({ ...good, name: "Bad_Name" }))).toMatchObject({ kind: "Status", code: 400 });
    expect(await post(token, JSON.stringify({ ...good, peerUrl: "http://127.0.0.99:2380" }))).toMatchObject({ kind: "Status", code: 400 });
    // A name already taken by another member's address is refused.
    expect(await post(token, JSON.stringify({ ...good, name: B.name }))).toMatchObject({ kind: "Status", code: 409 });
    expect((await members(A)).map((m) => m.name).sort()).toEqual([A.name, B.name, C.name]);
  });

  test("a server SIGKILLed (its etcd member left running) starts again on its data dir and serves", async () => {
    const before = await etcdProcessesOf(B);
    B.proc!.proc.kill("SIGKILL");
    await B.proc!.proc.exited;
    // The member outlives a SIGKILLed parent (until the restart stops it, or its next log line
    // meets the closed stderr pipe: which of the two ends it is not told apart here).
    expect(await etcdProcessesOf(B)).toBe(before);
    await start(B, argvOf(readmeServerCommands()[1]!));
    const after = await etcdProcessesOf(B);
    expect(after).not.toBe("");
    expect(after).not.toBe(before);
    expect((await members(A)).map((m) => m.name).sort()).toEqual([A.name, B.name, C.name]);
    expect(await k(B, ["get", "configmap", "written-on-c", "-o", "jsonpath={.data.k}"])).toBe("v");
  });

  test("kubectl delete node of a server removes its etcd member", async () => {
    // C runs without an agent here, so its Node is made by hand with the role its agent would give it.
    await k(A, ["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: C.name, labels: { "node-role.kubernetes.io/etcd": "true", "node-role.kubernetes.io/control-plane": "true" } } }));
    await k(A, ["delete", "node", C.name]);
    const left = await eventually("C's member to be removed", async () => {
      const names = (await members(A)).map((m) => m.name);
      return names.includes(C.name) ? undefined : names;
    }, 30_000, 500).catch((e) => {
      console.log(servers.map((s) => `--- ${s.name}\n${s.proc?.output()}`).join("\n"));
      throw e;
    });
    expect(left.sort()).toEqual([A.name, B.name]);
  });

  test("each server stops within 10 s of SIGTERM, its etcd member with it", async () => {
    // C's member was removed above (etcd stops a removed member); A's and B's run.
    for (const s of [A, B]) expect(await etcdProcessesOf(s)).not.toBe("");
    for (const s of [C, B, A]) {
      const sent = Date.now();
      s.proc!.proc.kill("SIGTERM");
      await s.proc!.proc.exited;
      expect(Date.now() - sent).toBeLessThan(10_000);
      expect(await etcdProcessesOf(s)).toBe("");
    }
  });
});
