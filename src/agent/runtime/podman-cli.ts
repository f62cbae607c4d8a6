// The one place that runs a runtime CLI (podman, or ctr for containerd). Every call carries
// skiff's own environment (podman's CONTAINERS_CONF…) or leading arguments (ctr's socket and
// namespace), an optional command prefix (for example `nsenter --net=…` to run inside a
// given network namespace) and a timeout; failures become RuntimeError with its stderr.
import { execa, type ResultPromise } from "execa";
import type { Subprocess } from "bun";
import { classifyPodmanStderr, podmanMessage, RuntimeError, type RuntimeErrorCode } from "./errors.ts";
import { killOnExit } from "../../lifecycle/child-processes.ts";

/** After close() sends SIGTERM, a podman still running this long later gets SIGKILL. */
const KILL_AFTER_MS = 2000;

export interface PodmanCliOptions {
  podmanPath: string;
  env: Record<string, string>;
  commandPrefix?: string[];
  defaultTimeoutMs?: number;
  /**
   * The directory every call runs in. conmon, started by podman, writes a file named `oom` into
   * its working directory when a container is OOM-killed; this keeps it out of whatever
   * directory the agent was started from.
   */
  cwd?: string;
  /** Arguments every call starts with (ctr's `--address SOCK -n NS`). */
  baseArgs?: string[];
  /** The tool's name in messages; "podman" unless told. */
  tool?: string;
  /** Error code and message from the tool's stderr; podman's wording unless told. */
  classify?: (stderr: string) => RuntimeErrorCode;
  message?: (stderr: string) => string;
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
  /** Aborted by close(): every podman still running is ended, none may hold up a stop. */
  private readonly closing = new AbortController();

  constructor(readonly options: PodmanCliOptions) {}

  /** Ends every podman call and stream still running; calls made later fail at once. */
  close(): void {
    this.closing.abort();
  }

  /** The environment every podman call gets; test image builders reuse it. */
  get env(): Record<string, string> {
    return this.options.env;
  }

  /** argv for podman with the prefix applied. */
  argv(args: string[]): [string, string[]] {
    const prefix = this.options.commandPrefix ?? [];
    const full = [...prefix, this.options.podmanPath, ...(this.options.baseArgs ?? []), ...args];
    return [full[0]!, full.slice(1)];
  }

  /**
   * Runs one short command and collects its output. Started with Bun.spawn rather than
   * execa: node:child_process's spawn holds the event loop until the child has started,
   * which under load stalled the API server its agent is embedded in for seconds when a
   * burst of pods changed (20 spawns: 670 ms of event-loop lag through execa, 19 ms
   * through Bun.spawn, measured side by side in one process of 250 MB).
   */
  async run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const [file, argv] = this.argv(args);
    const timeout = opts.timeoutMs ?? this.options.defaultTimeoutMs ?? 120_000;
    const tool = this.options.tool ?? "podman";
    const classify = this.options.classify ?? classifyPodmanStderr;
    const message = this.options.message ?? podmanMessage;
    if (this.closing.signal.aborted) throw new RuntimeError("Failed", `${tool} ${args[0]} ended: the agent is stopping`, "", args);
    let proc: Subprocess<"ignore", "pipe", "pipe">;
    try {
      // As execa did: the process environment, with skiff's own settings over it.
      proc = Bun.spawn([file, ...argv], { cwd: this.options.cwd, env: { ...process.env, ...this.options.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    } catch (err) {
      throw new RuntimeError("Failed", `${tool} ${args[0]}: ${(err as Error).message}`, "", args);
    }
    let ended: "timeout" | "closing" | undefined;
    let killer: Timer | undefined;
    const end = (why: "timeout" | "closing") => {
      ended ??= why;
      proc.kill("SIGTERM");
      killer ??= setTimeout(() => proc.kill("SIGKILL"), KILL_AFTER_MS);
    };
    const timer = setTimeout(() => end("timeout"), timeout);
    const onClose = () => end("closing");
    this.closing.signal.addEventListener("abort", onClose, { once: true });
    killOnExit({ then: (ok, fail) => proc.exited.then(ok, fail), kill: (signal) => (proc.kill(signal), true) });
    try {
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      if (ended === "closing") throw new RuntimeError("Failed", `${tool} ${args[0]} ended: the agent is stopping`, stderr, args);
      if (ended === "timeout") throw new RuntimeError("Timeout", `${tool} ${args[0]} timed out after ${timeout} ms`, stderr, args);
      if (code !== 0 && !(opts.okExitCodes ?? []).includes(code)) {
        const msg = message(stderr) || `${tool} ${args.join(" ")} exited with ${code}`;
        throw new RuntimeError(classify(stderr), msg, stderr, args, code);
      }
      return { stdout, stderr, exitCode: code };
    } finally {
      clearTimeout(timer);
      clearTimeout(killer);
      this.closing.signal.removeEventListener("abort", onClose);
    }
  }

  async json<T>(args: string[], opts?: RunOptions): Promise<T> {
    const { stdout } = await this.run(args, opts);
    const text = stdout.trim();
    return (text === "" ? [] : JSON.parse(text)) as T;
  }

  /**
   * A long-running podman process with piped streams (logs, exec, events). `dieWithParent`
   * has the kernel kill it when the agent dies, even by SIGKILL, where `setpriv` exists.
   */
  spawn(args: string[], stdin: "pipe" | "ignore", opts: { dieWithParent?: boolean } = {}): ResultPromise {
    const [command, commandArgs] = this.argv(args);
    const guard = opts.dieWithParent ? Bun.which("setpriv") : null;
    const [file, argv] = guard ? [guard, ["--pdeathsig", "KILL", command, ...commandArgs]] : [command, commandArgs];
    return killOnExit(
      execa(file, argv, {
        cwd: this.options.cwd,
        env: this.options.env,
        stdin,
        stdout: "pipe",
        stderr: "pipe",
        buffer: false,
        reject: false,
        cancelSignal: this.closing.signal,
        forceKillAfterDelay: KILL_AFTER_MS,
      }),
    );
  }
}
