// A real etcd for tests: 1 or 3 members on free loopback ports, in a temp dir, each
// stopped (or killed) by its own PID.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./server.ts";

const ETCD = "/usr/bin/etcd";
export const ETCD_INSTALL = "etcd is not installed: apt-get install -y etcd-server";
const PDEATHSIG = Bun.which("setpriv") ? ["setpriv", "--pdeathsig", "SIGKILL", "--"] : [];

export type EtcdMember = { name: string; clientUrl: string; peerUrl: string; dataDir: string; proc: Subprocess };
export type EtcdCluster = {
  endpoints: string[];
  members: EtcdMember[];
  /** SIGKILL one member (by its PID). */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
};

export function requireEtcd(): void {
  if (!existsSync(ETCD)) throw new Error(ETCD_INSTALL);
}

async function healthy(url: string, tls?: EtcdTlsFiles, prefix?: string[]): Promise<boolean> {
  // Inside a network namespace of the test's own: ask from there.
  if (prefix?.length) return (await Bun.spawn([...prefix, "curl", "-sf", "--max-time", "1", `${url}/health`], { stdout: "pipe", stderr: "ignore" }).exited) === 0;
  try {
    const files = tls && { ca: await Bun.file(tls.trustedCaFile).text(), cert: await Bun.file(tls.clientCertFile).text(), key: await Bun.file(tls.clientKeyFile).text() };
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000), ...(files ? { tls: files } : {}) } as RequestInit);
    return res.ok && ((await res.json()) as { health?: string }).health === "true";
  } catch {
    return false;
  }
}

/**
 * Files for etcd's client TLS: its certificate (serverAuth and clientAuth: its gateway dials
 * its own gRPC port with it), the CA whose clients it takes (client-cert-auth), and a client
 * certificate of that CA for the health check.
 */
export type EtcdTlsFiles = { certFile: string; keyFile: string; trustedCaFile: string; clientCertFile: string; clientKeyFile: string };

/** `prefix` runs the members under a command (nsenter into a test's network namespace). */
export async function startEtcd(size: 1 | 3 = 1, tls?: EtcdTlsFiles, prefix: string[] = []): Promise<EtcdCluster> {
  requireEtcd();
  const root = mkdtempSync(join(tmpdir(), "skiff-etcd-"));
  const scheme = tls ? "https" : "http";
  const specs = Array.from({ length: size }, (_, i) => ({ name: `m${i}`, clientUrl: `${scheme}://127.0.0.1:${freePort()}`, peerUrl: `http://127.0.0.1:${freePort()}`, dataDir: join(root, `m${i}`) }));
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(",");
  const members: EtcdMember[] = specs.map((s) => ({
    ...s,
    proc: Bun.spawn(
      [
        ...prefix,
        // Killed with the test process even when it ends without running exit handlers (bun test does not run them).
        ...PDEATHSIG,
        ETCD,
        "--name", s.name,
        "--data-dir", s.dataDir,
        "--listen-client-urls", s.clientUrl,
        "--advertise-client-urls", s.clientUrl,
        "--listen-peer-urls", s.peerUrl,
        "--initial-advertise-peer-urls", s.peerUrl,
        "--initial-cluster", initialCluster,
        "--initial-cluster-state", "new",
        "--initial-cluster-token", `skiff-test-${process.pid}`,
        "--logger", "zap",
        "--log-level", "error",
        ...(tls ? ["--cert-file", tls.certFile, "--key-file", tls.keyFile, "--trusted-ca-file", tls.trustedCaFile, "--client-cert-auth"] : []),
      ],
      { stdout: "ignore", stderr: "pipe" },
    ),
  }));
  const stop = async () => {
    for (const m of members) if (m.proc.exitCode === null && !m.proc.killed) m.proc.kill("SIGTERM");
    await Promise.all(members.map((m) => m.proc.exited));
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (const m of members) {
    while (!(await healthy(m.clientUrl, tls, prefix))) {
      if (m.proc.exitCode !== null || Date.now() > deadline) {
        const err = m.proc.exitCode !== null ? await new Response(m.proc.stderr as ReadableStream).text() : "";
        await stop();
        throw new Error(`etcd member ${m.name} did not become healthy: ${err.slice(-500)}`);
      }
      await Bun.sleep(100);
    }
  }
  return {
    endpoints: members.map((m) => m.clientUrl),
    members,
    async kill(index) {
      const m = members[index]!;
      process.kill(m.proc.pid, "SIGKILL");
      await m.proc.exited;
    },
    stop,
  };
}

let shared: Promise<EtcdCluster> | undefined;
/**
 * One etcd for the whole test process (servers on it each take a key prefix of their own),
 * killed by its PID when the process exits.
 */
export function sharedEtcd(): Promise<EtcdCluster> {
  shared ??= startEtcd(1).then((cluster) => {
    process.on("exit", () => {
      for (const m of cluster.members) if (m.proc.exitCode === null) m.proc.kill("SIGKILL");
      rmSync(join(cluster.members[0]!.dataDir, ".."), { recursive: true, force: true });
    });
    return cluster;
  });
  return shared;
}

let prefixes = 0;
/** A key prefix no other store of this process uses. */
export function freshPrefix(): string {
  return `/skiff-test-${process.pid}-${++prefixes}/registry/`;
}
