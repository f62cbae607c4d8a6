// kubectl attach on containerd. The shim hands a container's output to the logging program,
// so an attach session reads the output where that program writes it, the container's CRI log
// file, from its end as the session opens, and writes stdin into the container's stdin FIFO
// (see containerd-runc-wrapper.ts and containerd-logs.ts). The log file stays the one record
// of the output; a session that ends leaves the container running.
import { closeSync, constants, existsSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { parseCriLine } from "./containerd-logs.ts";
import type { AttachOptions, ExecSession } from "./types.ts";

const POLL_MS = 50;
const RUNNING_CHECK_MS = 500;
const STDIN_STALL_MS = 30_000;

export interface AttachTarget {
  logPath: string;
  /** The container's stdin FIFO and its close FIFO; absent when the container has no stdin. */
  stdinFifo?: string;
  stdinCloseFifo?: string;
  running: () => Promise<boolean>;
}

export function openContainerdAttach(target: AttachTarget, opts: AttachOptions): ExecSession {
  let offset = existsSync(target.logPath) ? statSync(target.logPath).size : 0;
  let rest = "";
  let ended = false;
  let finish!: (code: number) => void;
  const exitCode = new Promise<number>((r) => (finish = r));
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let err: ReadableStreamDefaultController<Uint8Array> | undefined;
  const stdout = new ReadableStream<Uint8Array>({ start: (c) => void (out = c) });
  const stderr = opts.tty ? null : new ReadableStream<Uint8Array>({ start: (c) => void (err = c) });
  const enc = new TextEncoder();

  const pump = () => {
    if (!existsSync(target.logPath)) return;
    const size = statSync(target.logPath).size;
    if (size <= offset) return;
    const fd = openSync(target.logPath, "r");
    const buf = Buffer.alloc(size - offset);
    try {
      readSync(fd, buf, 0, buf.length, offset);
    } finally {
      closeSync(fd);
    }
    offset = size;
    const parts = (rest + buf.toString("utf8")).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) {
      const l = parseCriLine(line);
      if (!l) continue;
      const bytes = enc.encode(l.partial ? l.text : `${l.text}\n`);
      if (l.stream === "stderr" && err) err.enqueue(bytes);
      else out.enqueue(bytes);
    }
  };

  const end = (code: number) => {
    if (ended) return;
    ended = true;
    for (const c of [out, err]) {
      try {
        c?.close();
      } catch {
        // cancelled by the reader
      }
    }
    finish(code);
  };

  void (async () => {
    let checked = Date.now();
    while (!ended) {
      await Bun.sleep(POLL_MS);
      if (ended) return;
      pump();
      if (Date.now() - checked >= RUNNING_CHECK_MS) {
        checked = Date.now();
        if (!(await target.running().catch(() => false))) {
          // What the logging program wrote last.
          await Bun.sleep(POLL_MS);
          pump();
          return end(0);
        }
      }
    }
  })().catch(() => end(1));

  const input = opts.stdin && target.stdinFifo ? stdinWriter(target) : undefined;
  const kill = () => {
    input?.letGo();
    // What is in the log already still reaches the reader.
    if (!ended) {
      try {
        pump();
      } catch {
        // the log is gone with the container
      }
    }
    end(0);
  };
  return { stdin: input?.stream ?? null, stdout, stderr, resize() {}, exitCode, kill };
}

/** Writes into the FIFO without ever blocking the agent's event loop; closing it ends the container's stdin. */
function stdinWriter(target: AttachTarget): { stream: WritableStream<Uint8Array>; letGo: () => void } {
  let fd: number | undefined;
  const open = () => (fd ??= openSync(target.stdinFifo!, constants.O_WRONLY | constants.O_NONBLOCK));
  const letGo = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  // An end of input (kubectl's stdin closed) closes the container's stdin, as podman attach
  // does and a stdinOnce container expects; a session that only goes away leaves it open.
  const release = () => {
    letGo();
    if (!target.stdinCloseFifo) return;
    try {
      // A reader waits on it while the logging program holds the container's stdin.
      const c = openSync(target.stdinCloseFifo, constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(c, "close\n");
      closeSync(c);
    } catch {
      // Let go already, or the container is gone.
    }
  };
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      const f = open();
      let done = 0;
      let stalledSince = Date.now();
      while (done < chunk.length) {
        try {
          done += writeSync(f, chunk, done);
          stalledSince = Date.now();
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
          // A container that stopped reading: the pipe stays full; the session's input gives up.
          if (Date.now() - stalledSince > STDIN_STALL_MS) throw new Error("the container does not read its stdin");
          await Bun.sleep(10);
        }
      }
    },
    close: release,
    abort: letGo,
  });
  return { stream, letGo };
}
