// The agent's way of running other programs (podman, ip, nft, tar): Bun's own spawn, with
// a timeout and the caller's environment added to the agent's. An agent runs many short
// commands; this keeps each one cheap and adds no library to its resident memory.
import type { Subprocess } from "bun";

export type CommandResult = { stdout: string; stderr: string; exitCode: number; timedOut: boolean };

export type CommandOptions = {
  /** Added to the agent's own environment. */
  env?: Record<string, string>;
  /** Written to the command's stdin, which is closed after it. */
  input?: string;
  timeoutMs?: number;
};

/** Runs a command to its end. A program that cannot be started is exit code 127, as in a shell. */
export async function runCommand(argv: string[], opts: CommandOptions = {}): Promise<CommandResult> {
  let proc: Subprocess<Uint8Array | "ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(argv, {
      env: opts.env ? { ...process.env, ...opts.env } : undefined,
      stdin: opts.input !== undefined ? new TextEncoder().encode(opts.input) : "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
  } catch (e) {
    return { stdout: "", stderr: `${argv[0]}: ${(e as Error).message}`, exitCode: 127, timedOut: false };
  }
  let timedOut = false;
  let killer: Timer | undefined;
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        proc.kill("SIGTERM");
        killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      }, opts.timeoutMs)
    : undefined;
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  clearTimeout(killer);
  return { stdout, stderr, exitCode, timedOut };
}

export type SpawnOptions = {
  env?: Record<string, string>;
  stdin?: "pipe" | "ignore";
  /** Killed by the kernel when the agent dies, even by SIGKILL (for long-lived watchers). */
  dieWithParent?: boolean;
};

/** The words that make a command die with its parent, where the host has `setpriv`. */
export function parentDeathGuard(): string[] {
  const found = Bun.which("setpriv") ?? Bun.which("setpriv", { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" });
  return found ? ["setpriv", "--pdeathsig", "KILL"] : [];
}

/** Starts a long-running command with piped output (logs, exec, event streams). */
export function spawnCommand(argv: string[], opts: SpawnOptions = {}): Subprocess<"pipe" | "ignore", "pipe", "pipe"> {
  return Bun.spawn(argv, {
    env: opts.env ? { ...process.env, ...opts.env } : undefined,
    stdin: opts.stdin ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
}

/** A web WritableStream over a spawned process's stdin. */
export function stdinWriter(proc: Subprocess<"pipe", "pipe", "pipe">): WritableStream<Uint8Array> {
  const sink = proc.stdin;
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      sink.write(chunk);
      await sink.flush();
    },
    async close() {
      await sink.end();
    },
    async abort() {
      await sink.end();
    },
  });
}

/** Calls `onLine` for each line of a byte stream, until it ends. */
export async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  }
  if (rest) onLine(rest);
}
