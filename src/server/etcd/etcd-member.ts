// An etcd member of the server's own (k3s's embedded etcd, as a supervised child process
// of the machine's `etcd` binary): data under DATA/server/etcd, client and peer TLS from the
// cluster CA (both sides present certificates), restarted when it dies, and stopped with
// the server (SIGTERM, then SIGKILL within 5 s).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { issueClientCert, issuePeerCert, tlsPaths } from "../pki/ca.ts";
import { writePrivateFile } from "../pki/files.ts";
import { killOnExit } from "../../lifecycle/child-processes.ts";

export const ETCD_INSTALL = "apt-get install -y etcd-server";
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
const STOP_GRACE_MS = 5000;
const READY_TIMEOUT_MS = 60_000;

export type EtcdMemberOptions = {
  serverDir: string;
  /** The member's name: the server's node name. */
  name: string;
  /** The address its client and peer ports listen on and are reached at. */
  address: string;
  /** "new": the first member of a new cluster; "existing": a member just added to a running one, with every member's name=peerURL. */
  initialCluster: { state: "new" } | { state: "existing"; members: string };
  log: (line: string) => void;
};

/** Where the member's files live and the URLs it is reached at. */
export function etcdMemberLayout(serverDir: string, address: string) {
  const dir = join(serverDir, "etcd");
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    dir,
    dataDir: join(dir, "data"),
    certFile: join(dir, "tls", "member.crt"),
    keyFile: join(dir, "tls", "member.key"),
    /** The server's own client certificate for its store. */
    clientCertFile: join(dir, "tls", "client.crt"),
    clientKeyFile: join(dir, "tls", "client.key"),
    caFile: tlsPaths(serverDir).caCert,
    clientUrl: `https://${host}:${ETCD_CLIENT_PORT}`,
    peerUrl: `https://${host}:${ETCD_PEER_PORT}`,
  };
}

export class EtcdMemberError extends Error {}

/** The machine's etcd binary, or undefined. */
export function etcdBinary(): string | undefined {
  return existsSync("/usr/bin/etcd") ? "/usr/bin/etcd" : (Bun.which("etcd") ?? undefined);
}

export class EtcdMember {
  private proc?: Subprocess<"ignore", "ignore", "pipe">;
  private stopping = false;
  private restarts = 0;
  private stderrTail = "";
  private restartTimer?: ReturnType<typeof setTimeout>;
  readonly layout: ReturnType<typeof etcdMemberLayout>;

  constructor(private readonly opts: EtcdMemberOptions) {
    this.layout = etcdMemberLayout(opts.serverDir, opts.address);
  }

  /** Issue the certificates, start the member and wait until it answers /health. */
  async start(signal?: AbortSignal): Promise<void> {
    const binary = etcdBinary();
    if (!binary) throw new EtcdMemberError(`an embedded etcd needs the etcd binary: ${ETCD_INSTALL}`);
    const l = this.layout;
    mkdirSync(join(l.dir, "tls"), { recursive: true, mode: 0o700 });
    const member = await issuePeerCert(this.opts.serverDir, this.opts.name, [this.opts.address, this.opts.name]);
    writePrivateFile(l.certFile, member.certPem);
    writePrivateFile(l.keyFile, member.keyPem);
    const client = await issueClientCert(this.opts.serverDir, "skiff-server", ["skiff-etcd"]);
    writePrivateFile(l.clientCertFile, client.certPem);
    writePrivateFile(l.clientKeyFile, client.keyPem);
    await stopLeftoverMember(this.opts.serverDir);
    this.spawn(binary);
    await this.ready(signal);
  }

  private args(binary: string): string[] {
    const l = this.layout;
    const o = this.opts;
    const initial = o.initialCluster.state === "new" ? `${o.name}=${l.peerUrl}` : o.initialCluster.members;
    return [
      binary,
      "--name", o.name,
      "--data-dir", l.dataDir,
      "--listen-client-urls", l.clientUrl,
      "--advertise-client-urls", l.clientUrl,
      "--listen-peer-urls", l.peerUrl,
      "--initial-advertise-peer-urls", l.peerUrl,
      // Read only on the member's first start; later starts follow its data dir.
      "--initial-cluster", initial,
      "--initial-cluster-state", o.initialCluster.state,
      "--initial-cluster-token", "skiff",
      "--cert-file", l.certFile, "--key-file", l.keyFile, "--trusted-ca-file", l.caFile, "--client-cert-auth",
      "--peer-cert-file", l.certFile, "--peer-key-file", l.keyFile, "--peer-trusted-ca-file", l.caFile, "--peer-client-cert-auth",
      "--logger", "zap", "--log-level", "warn",
    ];
  }

  private spawn(binary: string) {
    const proc = Bun.spawn(this.args(binary), { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    this.proc = proc;
    writeFileSync(pidFile(this.opts.serverDir), `${proc.pid}\n`);
    killOnExit({ then: (ok, fail) => proc.exited.then(ok, fail), kill: (signal) => (proc.kill(signal), true) });
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stderr) this.stderrTail = (this.stderrTail + decoder.decode(chunk, { stream: true })).slice(-2000);
    })().catch(() => {});
    void proc.exited.then((code) => {
      // SIGTERM or SIGINT is a stop someone asked for (the whole process group being stopped, say): not restarted.
      if (this.stopping || this.proc !== proc || proc.signalCode === "SIGTERM" || proc.signalCode === "SIGINT") return;
      // A member removed from the cluster (its server's node deleted) stops for good.
      if (/permanently removed/.test(this.stderrTail)) {
        this.opts.log(`skiff server: this server's etcd member was removed from the cluster: ${this.lastError()}`);
        return;
      }
      // Supervision: a member that died is started again, later each time (at most 30 s).
      const delay = Math.min(1000 * 2 ** Math.min(this.restarts++, 5), 30_000);
      this.opts.log(`skiff server: etcd member exited (${code}); restarting in ${delay / 1000}s: ${this.lastError()}`);
      this.restartTimer = setTimeout(() => this.stopping || this.spawn(binary), delay);
    });
  }

  private lastError(): string {
    const lines = this.stderrTail.trim().split("\n");
    return lines[lines.length - 1]?.slice(0, 300) ?? "";
  }

  /** The member answers /health with the server's client certificate. */
  async healthy(): Promise<boolean> {
    const l = this.layout;
    try {
      const tls = { ca: readFileSync(l.caFile, "utf8"), cert: readFileSync(l.clientCertFile, "utf8"), key: readFileSync(l.clientKeyFile, "utf8") };
      const res = await fetch(`${l.clientUrl}/health`, { tls, signal: AbortSignal.timeout(2000) } as RequestInit);
      return res.ok && ((await res.json()) as { health?: string }).health === "true";
    } catch {
      return false;
    }
  }

  private async ready(signal?: AbortSignal) {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.healthy())) {
      if (signal?.aborted) return;
      if (this.proc?.exitCode !== null && this.proc?.exitCode !== undefined && this.restarts === 0) {
        throw new EtcdMemberError(`the etcd member exited (${this.proc.exitCode}) at start: ${this.lastError()}`);
      }
      if (Date.now() > deadline) throw new EtcdMemberError(`the etcd member at ${this.layout.clientUrl} did not become healthy within ${READY_TIMEOUT_MS / 1000}s: ${this.lastError()}`);
      await Bun.sleep(200);
    }
  }

  /** SIGTERM, and SIGKILL if it has not exited within 5 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(STOP_GRACE_MS).then(() => false)]);
    if (!exited) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
}

const pidFile = (serverDir: string) => join(serverDir, "etcd", "etcd.pid");

/**
 * A member left running by a server that was SIGKILLed (a child outlives such a parent) holds
 * the ports and the data dir: stopped by the PID it wrote, once /proc says that PID is an etcd
 * of this data dir. Also `skiff killall`'s.
 */
export async function stopLeftoverMember(serverDir: string): Promise<void> {
  const path = pidFile(serverDir);
  if (!existsSync(path)) return;
  const pid = Number(readFileSync(path, "utf8").trim());
  const cmdline = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      return "";
    }
  };
  if (!pid || !cmdline().includes(etcdMemberLayout(serverDir, "").dataDir)) return;
  process.kill(pid, "SIGKILL");
  for (let i = 0; i < 100 && cmdline(); i++) await Bun.sleep(50);
}
