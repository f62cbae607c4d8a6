// The one place that runs the podman binary. Every call carries skiff's own
// CONTAINERS_CONF / CONTAINERS_STORAGE_CONF, an optional command prefix (for
// example `nsenter --net=…` to run inside a given network namespace) and a
// timeout; failures become RuntimeError with podman's stderr.
import { classifyPodmanStderr, podmanMessage, RuntimeError } from "./errors.ts";
import { parentDeathGuard, runCommand, spawnCommand } from "../subprocess.ts";

export interface PodmanCliOptions {
  podmanPath: string;
  env: Record<string, string>;
  commandPrefix?: string[];
  defaultTimeoutMs?: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Exit codes that are answers, not failures (e.g. `image exists` → 1). */
  okExitCodes?: number[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class PodmanCli {
  constructor(readonly options: PodmanCliOptions) {}

  /** The environment every podman call gets; test image builders reuse it. */
  get env(): Record<string, string> {
    return this.options.env;
  }

  /** argv for podman with the prefix applied (and words between the prefix and podman). */
  argv(args: string[], between: string[] = []): [string, string[]] {
    const prefix = this.options.commandPrefix ?? [];
    const full = [...prefix, ...between, this.options.podmanPath, ...args];
    return [full[0]!, full.slice(1)];
  }

  async run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const [file, argv] = this.argv(args);
    const timeout = opts.timeoutMs ?? this.options.defaultTimeoutMs ?? 120_000;
    const r = await runCommand([file, ...argv], { env: this.options.env, timeoutMs: timeout });
    if (r.timedOut) {
      throw new RuntimeError("Timeout", `podman ${args[0]} timed out after ${timeout} ms`, r.stderr, args);
    }
    if (r.exitCode !== 0 && !(opts.okExitCodes ?? []).includes(r.exitCode)) {
      const msg = podmanMessage(r.stderr) || `podman ${args.join(" ")} exited with ${r.exitCode}`;
      throw new RuntimeError(classifyPodmanStderr(r.stderr), msg, r.stderr, args, r.exitCode);
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }

  async json<T>(args: string[], opts?: RunOptions): Promise<T> {
    const { stdout } = await this.run(args, opts);
    const text = stdout.trim();
    return (text === "" ? [] : JSON.parse(text)) as T;
  }

  /** A long-running podman process with piped streams (logs, exec, events). */
  spawn(args: string[], stdin: "pipe" | "ignore", opts: { dieWithParent?: boolean } = {}) {
    const [file, argv] = this.argv(args, opts.dieWithParent ? parentDeathGuard() : []);
    return spawnCommand([file, ...argv], { env: this.options.env, stdin });
  }
}
