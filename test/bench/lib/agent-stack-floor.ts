// The memory floor under any agent built on skiff's stack: rss-floor/agent-stack.ts compiled
// as skiff is, run beside the real agent (same network namespace, same server, the agent's
// podman configuration) and read after the same settling time. What the agent takes above
// this is skiff's own code and state.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileExecutable } from "../../../scripts/build.ts";
import { podmanPaths } from "../../../src/agent/runtime/podman-config.ts";
import { readMemory, type MemorySample } from "./agent-proc-stats.ts";

export async function measureAgentStackFloor(opts: { prefix: string[]; server: string; kubeconfig: string; agentDataDir: string; port: number; settleMs: number }): Promise<MemorySample> {
  const work = mkdtempSync(join(tmpdir(), "skiff-agent-floor-"));
  try {
    const { outfile } = await compileExecutable({ entry: join(import.meta.dir, "rss-floor/agent-stack.ts"), outfile: join(work, "agent-stack"), arch: "amd64" });
    const [cert, key] = [join(work, "tls.crt"), join(work, "tls.key")];
    const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(`openssl: ${made.stderr.toString()}`);
    const token = /token: (\S+)/.exec(readFileSync(opts.kubeconfig, "utf8"))?.[1];
    if (!token) throw new Error(`no token in ${opts.kubeconfig}`);
    const paths = podmanPaths(opts.agentDataDir);
    const proc = Bun.spawn([...opts.prefix, outfile, String(opts.port), cert, key, opts.server, token], {
      env: { ...process.env, CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      await Bun.sleep(opts.settleMs);
      if (proc.exitCode !== null) throw new Error(`the agent-stack floor exited ${proc.exitCode}`);
      // The prefix (nsenter) execs the floor, so the spawned pid is the floor's.
      return readMemory(proc.pid);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
