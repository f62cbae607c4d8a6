// Docker Swarm as one churn stack: a dockerd of the bench's own (its own data root, exec
// root, pidfile and unix socket; its managed containerd under them) inside the bench's
// network namespace, in swarm mode advertised on a veth address of that namespace, driven
// through the Docker Engine API over its socket. Stopped by PID and removed on close.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { TEST_IMAGE_1, TEST_IMAGE_2, testImageArchive } from "../../support/images.ts";
import { stackPids } from "./churn-proc-set.ts";
import { CHURN_COMMAND, CHURN_NAME, ROLL_BATCH, until, type ChurnStack, type OpResult } from "./churn-workload.ts";

const API = "http://docker/v1.41";

type Task = { Status?: { State?: string }; DesiredState?: string; Spec?: { ContainerSpec?: { Image?: string } } };
type ContainerSummary = { Id: string; Image: string; State: string };

export async function startSwarmStack(opts: { advertiseAddr: string; log: (line: string) => void }): Promise<ChurnStack> {
  const dockerd = Bun.which("dockerd", { PATH: `${process.env.PATH}:/usr/sbin:/usr/bin` });
  if (!dockerd) throw new Error("dockerd not found: apt-get install -y docker.io");
  // Short paths: containerd's and the shims' unix sockets live under the exec root.
  const base = `/tmp/skc-${process.pid}`;
  const dataRoot = join(base, "data");
  const execRoot = join(base, "exec");
  const sock = join(base, "docker.sock");
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(execRoot, { recursive: true });
  const keyJsonBefore = existsSync("/etc/docker/key.json");
  const proc = Bun.spawn(
    [dockerd, "--data-root", dataRoot, "--exec-root", execRoot, "--pidfile", join(base, "docker.pid"), "-H", `unix://${sock}`, "--iptables=true", "--ip-forward=true", "--log-level", "warn"],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let out = "";
  void (async () => {
    const d = new TextDecoder();
    for await (const c of proc.stderr) out = (out + d.decode(c, { stream: true })).slice(-8000);
  })();
  void new Response(proc.stdout).text();

  const api = async (method: string, path: string, body?: unknown, raw?: Blob): Promise<any> => {
    const res = await fetch(`${API}${path}`, {
      method,
      unix: sock,
      headers: raw ? { "Content-Type": "application/x-tar" } : body !== undefined ? { "Content-Type": "application/json" } : {},
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    } as RequestInit);
    const text = await res.text();
    if (res.status >= 400) throw new Error(`docker ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return text;
    }
  };

  const close = async () => {
    await api("DELETE", `/services/${CHURN_NAME}`).catch(() => {});
    await api("POST", "/swarm/leave?force=true").catch(() => {});
    if (proc.exitCode === null) {
      proc.kill("SIGTERM");
      const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(15_000).then(() => false)]);
      if (!done) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    }
    // Its containerd and shims, should any outlive it, by PID.
    for (const pid of stackPids([], [execRoot, dataRoot])) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await Bun.sleep(500);
    // Mounts it left (overlay layers, network namespaces), deepest first.
    const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(base)).sort((a, b) => b.length - a.length);
    for (const m of mounts) Bun.spawnSync(["umount", "-l", m]);
    rmSync(base, { recursive: true, force: true });
    if (!keyJsonBefore) rmSync("/etc/docker/key.json", { force: true });
  };

  try {
    await until("dockerd to answer", async () => {
      if (proc.exitCode !== null) throw new Error(`dockerd exited ${proc.exitCode}: ${out}`);
      return (await api("GET", "/_ping").catch(() => undefined)) === "OK";
    }, 60_000, 200);
    await api("POST", "/swarm/init", { ListenAddr: `${opts.advertiseAddr}:2377`, AdvertiseAddr: opts.advertiseAddr });
    for (const v of [1, 2] as const) await api("POST", "/images/load?quiet=1", undefined, Bun.file(await testImageArchive(v)));
    const version = (await api("GET", "/version")).Version;
    opts.log(`dockerd ${version} in swarm mode on ${opts.advertiseAddr}, pid ${proc.pid}, root ${base}`);

    const tasks = async (): Promise<Task[]> => api("GET", `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [CHURN_NAME], "desired-state": ["running"] }))}`);
    const running = async (all = false): Promise<ContainerSummary[]> =>
      api("GET", `/containers/json?all=${all ? 1 : 0}&filters=${encodeURIComponent(JSON.stringify({ label: [`com.docker.swarm.service.name=${CHURN_NAME}`] }))}`);
    let replicas = 0;
    let image = TEST_IMAGE_1;
    const converged = async () => {
      const ts = await tasks();
      if (ts.length !== replicas || ts.some((t) => t.Status?.State !== "running" || t.Spec?.ContainerSpec?.Image !== image)) return false;
      const cs = await running();
      return cs.length === replicas && cs.every((c) => c.Image === image);
    };
    const timed = async (act: () => Promise<unknown>, done: () => Promise<boolean>): Promise<OpResult> => {
      const t0 = performance.now();
      await act();
      await until("the operation to finish", done);
      return { ms: performance.now() - t0 };
    };
    const spec = (n: number) => ({
      Name: CHURN_NAME,
      TaskTemplate: { ContainerSpec: { Image: image, Command: CHURN_COMMAND, StopGracePeriod: 30e9 } },
      Mode: { Replicated: { Replicas: n } },
      UpdateConfig: { Parallelism: ROLL_BATCH, Delay: 0, Order: "start-first", FailureAction: "pause" },
    });
    const update = async (n: number) => {
      const svc = await api("GET", `/services/${CHURN_NAME}`);
      await api("POST", `/services/${CHURN_NAME}/update?version=${svc.Version.Index}`, spec(n));
    };

    return {
      name: "Docker Swarm",
      deploy(n) {
        replicas = n;
        image = TEST_IMAGE_1;
        return timed(() => api("POST", "/services/create", spec(n)), converged);
      },
      roll() {
        image = TEST_IMAGE_2;
        return timed(() => update(replicas), converged);
      },
      stop() {
        replicas = 0;
        // Swarm keeps the containers of ended tasks (task history): "none left" means none running.
        return timed(() => update(0), async () => (await running()).length === 0);
      },
      async reset() {
        await api("DELETE", `/services/${CHURN_NAME}`).catch(() => {});
        await until("the service's containers to be removed", async () => (await running(true)).length === 0, 120_000, 250);
      },
      pids: () => stackPids([proc.pid], [execRoot, dataRoot]),
      close,
    };
  } catch (e) {
    opts.log(`dockerd output (tail):\n${out}`);
    await close();
    throw e;
  }
}
