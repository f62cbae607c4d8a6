// One `skiff server` process on loopback with its own data dir, timed from spawn to ready,
// and a keep-alive HTTPS client for it that trusts the server's own CA.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { freeLoopbackPort } from "./free-port.ts";

export type SkiffServer = {
  pid: number;
  url: string;
  dataDir: string;
  caPem: string;
  token: string;
  /** Spawn to the first `/readyz` answering 200. */
  startupMs: number;
  /** The process's resident set (VmRSS) in bytes. */
  rssBytes(): number;
  /** VmRSS split into private memory (RssAnon) and pages mapped from files (RssFile: the executable, the libsql addon). */
  rssParts(): { anonBytes: number; fileBytes: number };
  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number;
  /** fetch against the server with the admin token and its CA. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** The server's stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 10 s; `keepDataDir` leaves the data dir for the caller. */
  stop(opts?: { keepDataDir?: boolean }): Promise<void>;
};

/**
 * `command` replaces `[binary]`, e.g. `[bun, "--cpu-prof", "src/main.ts"]` to profile from source.
 * `withAgent` runs the server's embedded agent too (the default command); the caller runs inside a network namespace of its own.
 */
export type StartOptions = { binary: string; command?: string[]; dataDir?: string; extraArgs?: string[]; readyTimeoutMs?: number; withAgent?: boolean };

export async function startSkiffServer({ binary, command = [binary], dataDir = mkdtempSync(join(tmpdir(), "skiff-bench-api-")), extraArgs = [], readyTimeoutMs = 30_000, withAgent = false }: StartOptions): Promise<SkiffServer> {
  const port = freeLoopbackPort();
  const url = `https://127.0.0.1:${port}`;
  const args = ["server", ...(withAgent ? [] : ["--disable-agent"]), "--data-dir", dataDir, "--bind-address", "127.0.0.1", "--https-listen-port", String(port), ...extraArgs];
  const started = performance.now();
  const proc = Bun.spawn([...command, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let out = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) out = (out + decoder.decode(chunk, { stream: true })).slice(-20_000);
  };
  void drain(proc.stdout);
  void drain(proc.stderr);

  const stop = async (opts: { keepDataDir?: boolean } = {}) => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!exited) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    }
    if (!opts.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  // The CA appears on the first start; /readyz is polled every 5 ms from then on.
  const caPath = join(dataDir, "server/tls/ca.crt");
  let caPem = "";
  let startupMs = NaN;
  const deadline = Date.now() + readyTimeoutMs;
  while (Number.isNaN(startupMs)) {
    if (proc.exitCode !== null) throw new Error(`skiff server exited ${proc.exitCode} before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`skiff server was not ready within ${readyTimeoutMs} ms:\n${out}`);
    }
    if (!caPem && existsSync(caPath)) caPem = readFileSync(caPath, "utf8");
    if (caPem.includes("END CERTIFICATE")) {
      try {
        const res = await fetch(`${url}/readyz`, { tls: { ca: caPem } } as RequestInit);
        await res.arrayBuffer();
        if (res.status === 200) startupMs = performance.now() - started;
      } catch {
        // Not listening yet.
      }
    } else caPem = "";
    if (Number.isNaN(startupMs)) await Bun.sleep(5);
  }

  // The kubeconfig is written just after the listener opens.
  const kubeconfigPath = join(dataDir, "kubeconfig.yaml");
  while (!existsSync(kubeconfigPath) && Date.now() < deadline) await Bun.sleep(5);
  const kubeconfig = parse(readFileSync(kubeconfigPath, "utf8")) as { users: { user: { token: string } }[] };
  const token = kubeconfig.users[0]!.user.token;

  return {
    pid: proc.pid,
    url,
    dataDir,
    caPem,
    token,
    startupMs,
    rssBytes() {
      return statusKb(proc.pid, "VmRSS") * 1024;
    },
    rssParts() {
      return { anonBytes: statusKb(proc.pid, "RssAnon") * 1024, fileBytes: statusKb(proc.pid, "RssFile") * 1024 };
    },
    cpuMs() {
      // Fields 14 and 15 of /proc/PID/stat, after the parenthesised command name, in clock ticks (100 Hz on Linux).
      const stat = readFileSync(`/proc/${proc.pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    api(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${token}`);
      if (init.body !== undefined && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
      return fetch(url + path, { ...init, headers, tls: { ca: caPem } } as RequestInit);
    },
    output: () => out,
    stop,
  };
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1]);
}

/** Reads a response body and throws with the server's message unless the status is `expected`. */
export async function expectStatus(res: Response, expected: number | number[], what: string): Promise<string> {
  const body = await res.text();
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (!ok) throw new Error(`${what}: HTTP ${res.status} ${body.slice(0, 300)}`);
  return body;
}
