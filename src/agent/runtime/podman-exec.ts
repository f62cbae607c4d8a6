// `podman exec` sessions. Without a terminal the command's stdin, stdout and
// stderr are plain pipes. With one, podman itself must sit on a pseudo
// terminal: it forwards the size of its own terminal to the container's on
// SIGWINCH, which is the only way the CLI offers to resize.
import { Readable, Writable } from "node:stream";
import type { PodmanCli } from "./podman-cli.ts";
import type { ExecOptions, ExecSession } from "./types.ts";

export function execArgs(id: string, cmd: string[], opts: ExecOptions): string[] {
  const args = ["exec"];
  if (opts.stdin || opts.tty) args.push("--interactive");
  if (opts.tty) args.push("--tty");
  args.push(id, ...cmd);
  return args;
}

export function openExecSession(cli: PodmanCli, id: string, cmd: string[], opts: ExecOptions): ExecSession {
  return openPodmanSession(cli, execArgs(id, cmd, opts), opts);
}

/** Runs a podman command that streams a container's stdio (exec, attach), on a terminal with tty. */
export function openPodmanSession(cli: PodmanCli, args: string[], opts: ExecOptions): ExecSession {
  return opts.tty ? openTtySession(cli, args, opts) : openPipeSession(cli, args, opts);
}

function openPipeSession(cli: PodmanCli, args: string[], opts: ExecOptions): ExecSession {
  const proc = cli.spawn(args, opts.stdin ? "pipe" : "ignore");
  return {
    stdin: opts.stdin && proc.stdin ? (Writable.toWeb(proc.stdin) as WritableStream<Uint8Array>) : null,
    stdout: Readable.toWeb(proc.stdout!) as unknown as ReadableStream<Uint8Array>,
    stderr: Readable.toWeb(proc.stderr!) as unknown as ReadableStream<Uint8Array>,
    resize() {},
    exitCode: proc.then((r) => r.exitCode ?? -1),
    kill() {
      proc.kill("SIGTERM");
    },
  };
}

function openTtySession(cli: PodmanCli, args: string[], opts: ExecOptions): ExecSession {
  const [file, argv] = cli.argv(args);
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const stdout = new ReadableStream<Uint8Array>({
    start(c) {
      out = c;
    },
  });
  const close = () => {
    if (closed) return;
    closed = true;
    out.close();
  };
  const proc = Bun.spawn([file, ...argv], {
    env: { ...process.env, ...cli.env },
    terminal: {
      cols: opts.cols ?? 80,
      rows: opts.rows ?? 24,
      data: (_t, data) => {
        if (!closed) out.enqueue(new Uint8Array(data));
      },
      exit: () => close(),
    },
  });
  const terminal = proc.terminal!;
  const stdin = new WritableStream<Uint8Array>({
    write(chunk) {
      if (!terminal.closed) terminal.write(chunk);
    },
  });
  return {
    stdin,
    stdout,
    stderr: null,
    resize(cols, rows) {
      if (!terminal.closed) terminal.resize(cols, rows);
    },
    exitCode: proc.exited.then((code) => {
      // Output may still be buffered in the terminal when the process ends.
      setTimeout(() => {
        if (!terminal.closed) terminal.close();
        close();
      }, 50);
      return code;
    }),
    kill() {
      proc.kill("SIGTERM");
    },
  };
}
