// A failed start stops everything it started and exits non-zero; SIGTERM or SIGINT ends
// every skiff process within 10 s whatever state its parts are in (never started, joining
// a dead server, stuck on podman, cluster DNS that could not bind, watches open); a second
// signal exits at once. Real processes (`bun src/main.ts`), each inside a network namespace
// of the test's own where an agent or podman is involved.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { execa } from "execa";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startCluster, eventually, unmountBelow, type TestCluster } from "../support/cluster.ts";
import { createNetns, type TestNetns } from "../support/netns.ts";
import { skiffCommand, spawnSkiff, type SkiffProcess } from "../support/process.ts";
import { tempDir } from "../support/server.ts";
import { kubectlPath } from "../support/kubectl.ts";
import { TEST_IMAGE_1 } from "../support/images.ts";
import { helpersMentioning, listeningPorts, pidAlive, signalAndWait, stuckPodman, waitExit, within } from "../support/exit.ts";

setDefaultTimeout(240_000);

const LIMIT_MS = 10_000;
const dirs: string[] = [];
const dir = (tag: string) => {
  const d = tempDir(`skiff-sig-${tag}-`);
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) {
    await unmountBelow(d);
    rmSync(d, { recursive: true, force: true });
  }
});

const podYaml = (name: string, node: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default}
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 0
  containers: [{name: main, image: ${TEST_IMAGE_1}, command: [sleep, "3600"]}]
`;

describe("a start that fails or is interrupted leaves nothing behind", () => {
  let ns: TestNetns;
  beforeAll(async () => {
    ns = await createNetns("sigstart");
  });
  afterAll(async () => {
    await ns?.destroy();
  });

  const server = (d: string, port: number, extra: string[], env: Record<string, string> = {}) =>
    spawnSkiff([...ns.prefix, ...skiffCommand("source")], ["server", "--data-dir", d, "--https-listen-port", String(port), "--bind-address", "127.0.0.1", "--node-name", "sig-start", ...extra], env);

  test("an unwritable --write-kubeconfig: exit 1 within seconds, one clear line, port closed, no child left", async () => {
    const d = dir("kubeconfig");
    const s = server(d, 16443, ["--write-kubeconfig", "/dev/null/k.yaml"]);
    const { code, ms } = await waitExit(s.proc, 30_000);
    console.log(`unwritable kubeconfig: exit ${code} after ${ms} ms`);
    expect(code).toBe(1);
    expect(s.output()).toContain("skiff server: cannot write the kubeconfig /dev/null/k.yaml");
    expect(s.output()).not.toContain("ready at");
    expect(s.output()).not.toMatch(/\n\s+at /); // no stack trace
    expect(await listeningPorts(ns.prefix)).not.toContain(16443);
    expect(helpersMentioning(d)).toEqual([]);
  });

  test("SIGTERM while the embedded agent's start is stuck on podman: exits within 10 s, port freed, stuck podman gone", async () => {
    const d = dir("stuckstart");
    const marker = join(d, "stuck.pid");
    const bin = stuckPodman(d, "version", marker);
    const s = server(d, 16444, [], { PATH: `${bin}:${process.env.PATH}` });
    await eventually("the stuck podman call", async () => (existsSync(marker) ? true : undefined), 60_000, 200);
    const stuckPid = Number(readFileSync(marker, "utf8"));
    expect(await listeningPorts(ns.prefix)).toContain(16444);
    const { code, ms } = await signalAndWait(s.proc, "SIGTERM", LIMIT_MS);
    console.log(`SIGTERM during start (stuck podman): exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(s.output()).not.toContain("ready at");
    expect(await listeningPorts(ns.prefix)).not.toContain(16444);
    expect(await within(3000, () => !pidAlive(stuckPid))).toBe(true);
    expect(await within(3000, () => helpersMentioning(d).length === 0)).toBe(true);
  });

  test("an agent joining a server that is not there: SIGTERM exits within 10 s", async () => {
    const d = dir("join");
    const a = spawnSkiff([...ns.prefix, ...skiffCommand("source")], ["agent", "--server", "https://127.0.0.1:16445", "--token", "K10" + "0".repeat(64) + "::server:secret", "--data-dir", d, "--node-name", "joiner", "--agent-port", "16446", "--bind-address", "127.0.0.1"]);
    // Wait until the back-off is long, so a sleep that cannot be interrupted would show.
    await a.waitFor(/retrying in 4000 ms/, 60_000);
    const { code, ms } = await signalAndWait(a.proc, "SIGTERM", LIMIT_MS);
    console.log(`SIGTERM while joining a dead server: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(a.output()).not.toContain("skiff agent ready");
  });
});

describe("a running cluster stops within 10 s of a signal", () => {
  let c: TestCluster;
  const serverNode = "sig-server";
  beforeAll(async () => {
    c = await startCluster("sig");
  });
  afterAll(async () => {
    await c?.stop();
  });

  const agentArgs = (name: string, d: string, port: number) => ["agent", "--server", `https://127.0.0.1:${c.port}`, "--token", c.joinToken, "--data-dir", d, "--node-name", name, "--agent-port", String(port), "--bind-address", "127.0.0.1"];

  test("an agent stuck in `podman pod create`: SIGTERM exits within 10 s and the stuck podman is gone", async () => {
    const d = dir("stuckpod");
    const marker = join(d, "stuck.pid");
    const bin = stuckPodman(d, "pod create", marker);
    const a = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], agentArgs("stuck", d, 10260), { PATH: `${bin}:${process.env.PATH}` });
    await a.waitFor(/skiff agent ready/, 60_000);
    await c.k(["apply", "-f", "-"], podYaml("stuck", "stuck"));
    await eventually("the stuck pod create", async () => (existsSync(marker) ? true : undefined), 60_000, 200);
    const stuckPid = Number(readFileSync(marker, "utf8"));
    expect(pidAlive(stuckPid)).toBe(true);
    const { code, ms } = await signalAndWait(a.proc, "SIGTERM", LIMIT_MS);
    console.log(`SIGTERM, agent stuck in pod create: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(await within(3000, () => !pidAlive(stuckPid))).toBe(true);
    expect(await within(3000, () => helpersMentioning(d).length === 0)).toBe(true);
    await c.k(["delete", "pod", "stuck", "--wait=false"]);
  });

  let orphan: SkiffProcess;
  let orphanDir: string;

  test("the server with its embedded agent running pods and watches open: SIGTERM exits within 10 s, port freed, helpers gone", async () => {
    orphanDir = dir("orphan");
    orphan = spawnSkiff([...c.netns.prefix, ...skiffCommand("source")], agentArgs("orphan", orphanDir, 10261));
    await orphan.waitFor(/skiff agent ready/, 60_000);

    await c.k(["apply", "-f", "-"], podYaml("runner", serverNode));
    await eventually("pod runner Running", async () => ((await c.k(["get", "pod", "runner", "-o", "jsonpath={.status.phase}"])) === "Running" ? true : undefined), 90_000);
    const watch = Bun.spawn([...c.netns.prefix, kubectlPath(), "--kubeconfig", c.kubeconfig, "get", "pods", "-A", "--watch"], { stdout: "pipe", stderr: "pipe" });
    const reader = watch.stdout.getReader();
    // The header and the rows may come in separate writes.
    let listed = "";
    const listDeadline = Date.now() + 20_000;
    while (!listed.includes("runner") && Date.now() < listDeadline) {
      const { value, done } = await reader.read();
      if (done) break;
      listed += new TextDecoder().decode(value);
    }
    expect(listed).toContain("runner");

    const { code, ms } = await signalAndWait(c.server.proc, "SIGTERM", LIMIT_MS);
    console.log(`SIGTERM, server with embedded agent, pods and a watch: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(await listeningPorts(c.netns.prefix)).not.toContain(c.port);
    expect(await listeningPorts(c.netns.prefix)).not.toContain(10250);
    // The watch saw its connection end (kubectl then exits or retries; either way it was cut).
    const ended = await Promise.race([watch.exited.then(() => true), reader.read().then(() => true), Bun.sleep(5000).then(() => false)]);
    watch.kill("SIGKILL");
    expect(ended).toBe(true);
    // The events stream and the link monitor went with it; the pod's container keeps running.
    expect(await within(3000, () => helpersMentioning(c.serverDir).length === 0)).toBe(true);
  });

  test("an agent whose server has died: SIGTERM exits within 10 s", async () => {
    expect(c.server.proc.exitCode).not.toBeNull();
    await Bun.sleep(1000); // its watches and lease renewals now fail against a dead server
    const { code, ms } = await signalAndWait(orphan.proc, "SIGTERM", LIMIT_MS);
    console.log(`SIGTERM, agent with a dead server: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(await within(3000, () => helpersMentioning(orphanDir).length === 0)).toBe(true);
  });

  test("the server restarted over its running pods: SIGINT exits within 10 s", async () => {
    await c.startServer();
    await eventually("pod runner still Running", async () => ((await c.k(["get", "pod", "runner", "-o", "jsonpath={.status.phase}"])) === "Running" ? true : undefined), 60_000);
    const { code, ms } = await signalAndWait(c.server.proc, "SIGINT", LIMIT_MS);
    console.log(`SIGINT, server with embedded agent: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(await listeningPorts(c.netns.prefix)).not.toContain(c.port);
  });

  test("a second signal exits at once, before the stop the first began has finished", async () => {
    await c.startServer();
    // Both arrive together (held while the process is stopped), so the graceful stop cannot
    // finish between them; whichever is handled first starts the stop, the other ends the process.
    const pid = c.server.proc.pid;
    process.kill(pid, "SIGSTOP");
    process.kill(pid, "SIGTERM");
    process.kill(pid, "SIGINT");
    process.kill(pid, "SIGCONT");
    const { code, ms } = await waitExit(c.server.proc, LIMIT_MS);
    console.log(`two signals at once: exit ${code} after ${ms} ms`);
    const [, first, second] = c.server.output().match(/skiff server: (SIGTERM|SIGINT), shutting down\nskiff server: second (SIGTERM|SIGINT), exiting now/) ?? [];
    expect(first).toBeDefined();
    expect(second).not.toBe(first);
    expect(code).toBe(second === "SIGINT" ? 130 : 143);
    expect(await within(3000, async () => !(await listeningPorts(c.netns.prefix)).includes(c.port))).toBe(true);
  });
});

describe("an agent whose cluster DNS could not bind", () => {
  let ns: TestNetns;
  let squatter: { kill(signal: NodeJS.Signals): void } | undefined;
  let server: SkiffProcess | undefined;
  const serverDir = dir("dnsserver");
  const agentDir = dir("dnsagent");
  beforeAll(async () => {
    ns = await createNetns("sigdns");
  });
  afterAll(async () => {
    squatter?.kill("SIGKILL");
    server?.proc.kill("SIGKILL");
    await server?.proc.exited;
    await execa(ns.prefix[0]!, [...ns.prefix.slice(1), ...skiffCommand("source"), "killall", "--data-dir", agentDir], { reject: false });
    await ns?.destroy();
  });

  test("SIGTERM exits within 10 s", async () => {
    // Something else holds the cluster DNS address's port 53 (without SO_REUSEPORT, so no agent can share it).
    await execa("ip", ["-n", ns.name, "addr", "add", "10.43.0.10/32", "dev", "lo"]);
    const holder = Bun.spawn([...ns.prefix, "python3", "-c", "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('10.43.0.10',53))\nprint('bound',flush=True)\ntime.sleep(3600)"], { stdout: "pipe", stderr: "inherit" });
    squatter = holder;
    expect(new TextDecoder().decode((await holder.stdout.getReader().read()).value)).toContain("bound");
    server = spawnSkiff([...ns.prefix, ...skiffCommand("source")], ["server", "--data-dir", serverDir, "--https-listen-port", "16450", "--bind-address", "127.0.0.1", "--disable-agent"]);
    await server.waitFor(/ready at/, 60_000);
    const token = readFileSync(join(serverDir, "server", "token"), "utf8").trim();
    const a = spawnSkiff([...ns.prefix, ...skiffCommand("source")], ["agent", "--server", "https://127.0.0.1:16450", "--token", token, "--data-dir", agentDir, "--node-name", "nodns", "--agent-port", "16451", "--bind-address", "127.0.0.1"]);
    await a.waitFor(/skiff agent ready/, 60_000);
    expect(a.output()).toContain("cluster DNS not started");
    const { code, ms } = await signalAndWait(a.proc, "SIGTERM", LIMIT_MS);
    console.log(`SIGTERM, agent without cluster DNS: exit ${code} after ${ms} ms`);
    expect(code).toBe(0);
    expect(await listeningPorts(ns.prefix)).not.toContain(16451);
    expect(await within(3000, () => helpersMentioning(agentDir).length === 0)).toBe(true);
  });
});

describe("the shutdown deadline", () => {
  const fixture = join(import.meta.dir, "../fixtures/stuck-stop.ts");
  const bun = join(import.meta.dir, "../../node_modules/.bin/bun");

  test("a stop that never finishes: exit 1 with a line after the deadline, within 10 s", async () => {
    const p = spawnSkiff([bun, fixture], []);
    await p.waitFor(/serving/);
    const { code, ms } = await signalAndWait(p.proc, "SIGTERM", LIMIT_MS);
    console.log(`stuck stop: exit ${code} after ${ms} ms`);
    expect(code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(7000);
    expect(p.output()).toContain("stuck-stop: not stopped within 8 s, exiting anyway");
  });

  test("a second SIGINT while that stop hangs exits at once", async () => {
    const p = spawnSkiff([bun, fixture], []);
    await p.waitFor(/serving/);
    p.proc.kill("SIGTERM");
    await p.waitFor(/SIGTERM, shutting down/);
    const { code, ms } = await signalAndWait(p.proc, "SIGINT", LIMIT_MS);
    console.log(`second signal while stuck: exit ${code} after ${ms} ms`);
    expect(code).toBe(130);
    expect(ms).toBeLessThan(5000);
    expect(p.output()).toContain("second SIGINT, exiting now");
  });
});
