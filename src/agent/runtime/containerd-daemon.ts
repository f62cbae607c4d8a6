// A containerd of skiff's own, as k3s runs its embedded one: root, state, socket and
// config under DATA/agent/containerd, so it never disturbs a system containerd. Started
// and supervised by the agent (restarted if it dies), stopped with it. The containers'
// shims outlive it, so a restarted containerd (and agent) finds them running.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { stringify } from "smol-toml";
import { RuntimeError } from "./errors.ts";
import { killOnExit } from "../../lifecycle/child-processes.ts";

export const CONTAINERD_INSTALL_HINT = "apt-get install -y containerd runc";

export interface ContainerdPaths {
  root: string;
  config: string;
  contentRoot: string;
  state: string;
  socket: string;
  log: string;
  /** Container logs in the CRI format (DATA/agent/logs). */
  logs: string;
  /** skiff's own records of sandboxes and containers (containerd has no pods). */
  meta: string;
}

export function containerdPaths(dataDir: string): ContainerdPaths {
  const root = join(dataDir, "agent", "containerd");
  return {
    root,
    config: join(root, "config.toml"),
    contentRoot: join(root, "root"),
    state: join(root, "state"),
    socket: join(root, "containerd.sock"),
    log: join(root, "containerd.log"),
    logs: join(dataDir, "agent", "logs"),
    meta: join(root, "skiff"),
  };
}

/** Only what skiff uses: the CRI plugin (which would want CNI config of its own) is off. */
export function renderContainerdConfig(paths: ContainerdPaths): string {
  return stringify({
    version: 2,
    root: paths.contentRoot,
    state: paths.state,
    disabled_plugins: ["io.containerd.grpc.v1.cri"],
    grpc: { address: paths.socket },
    ttrpc: { address: `${paths.socket}.ttrpc` },
    debug: { address: "" },
    metrics: { address: "" },
  });
}

/** True when a containerd answers on `socket`. */
export async function containerdAnswers(ctr: string, socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const r = await execa(ctr, ["--address", socket, "version"], { reject: false, timeout: 5000 });
  return r.exitCode === 0;
}

export class ContainerdDaemon {
  private proc?: ResultPromise;
  private stopped = false;
  private restarts = 0;

  constructor(
    readonly paths: ContainerdPaths,
    private readonly bins: { containerd: string; ctr: string },
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Starts it (or finds one of this data dir already answering) and waits until it serves. */
  async start(): Promise<void> {
    for (const d of [this.paths.root, this.paths.contentRoot, this.paths.state, this.paths.logs, this.paths.meta]) mkdirSync(d, { recursive: true });
    writeFileSync(this.paths.config, renderContainerdConfig(this.paths));
    if (await containerdAnswers(this.bins.ctr, this.paths.socket)) return;
    this.spawn();
    const end = Date.now() + 20_000;
    while (!(await containerdAnswers(this.bins.ctr, this.paths.socket))) {
      if (this.proc === undefined || Date.now() > end) {
        await this.stop();
        throw new RuntimeError("RuntimeMissing", `containerd did not start (see ${this.paths.log})`);
      }
      await Bun.sleep(50);
    }
  }

  private spawn(): void {
    // containerd must not outlive the agent, even one killed with SIGKILL; the shims do.
    const guard = Bun.which("setpriv");
    const argv = [...(guard ? [guard, "--pdeathsig", "TERM"] : []), this.bins.containerd, "--config", this.paths.config, "--log-level", "warn"];
    const proc = killOnExit(execa(argv[0]!, argv.slice(1), { reject: false, stdin: "ignore", stdout: { file: this.paths.log, append: true }, stderr: { file: this.paths.log, append: true } }));
    this.proc = proc;
    void proc.then((r) => {
      if (this.proc === proc) this.proc = undefined;
      if (this.stopped) return;
      this.log(`skiff agent: containerd exited (${r.exitCode ?? r.signal}); starting it again`);
      if (++this.restarts > 20) return;
      setTimeout(() => {
        if (!this.stopped) this.spawn();
      }, 1000);
    });
  }

  /** SIGTERM, then SIGKILL after 5 s: a stopping agent never waits longer. */
  async stop(): Promise<void> {
    this.stopped = true;
    const proc = this.proc;
    if (!proc) return;
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await proc.then(() => {}, () => {});
    clearTimeout(timer);
  }
}
