// Container logs in the CRI format ("<RFC3339Nano> <stdout|stderr> <F|P> <text>"), one file
// per container under DATA/agent/logs, as the kubelet keeps them. containerd's shim hands
// the container's stdout and stderr to a logging program (a `binary://` log URI); the one
// written here stamps each line. It runs beside the shim, so logging goes on while the
// agent is down, and `--previous` reads the file of the container before.
import { chmodSync, closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from "node:fs";
import type { LogOptions } from "./types.ts";

/**
 * containerd passes the URI's query as arguments ("dir PATH io PATH") and the container in
 * $CONTAINER_ID. A container made with stdin has a FIFO `io/ID.stdin` that the runc wrapper
 * hands it as stdin; the logger (which the shim starts before the container and which lives
 * as long as its output) holds the FIFO open, so the container reads nothing until an attach
 * session writes, instead of an end of file at once. A line on `io/ID.stdin-close` lets go
 * of it: once the attach session closes too, the container reads its end (stdinOnce).
 */
export const CRI_LOGGER_SCRIPT = `#!/bin/bash
dir=; io=; while [ $# -gt 0 ]; do case $1 in dir) dir=$2 ;; io) io=$2 ;; esac; shift; done
log="$dir/$CONTAINER_ID.log"
mkdir -p "$dir"
export TZ=UTC
keeper=
if [ -n "$io" ] && [ -p "$io/$CONTAINER_ID.stdin" ]; then
  exec 6<>"$io/$CONTAINER_ID.stdin"
  { read -r _ <"$io/$CONTAINER_ID.stdin-close"; } 3<&- 4<&- 5>&- &
  keeper=$!
  exec 6<&-
fi
pump() {
  local stream=$1 line now
  while IFS= read -r line || [ -n "$line" ]; do
    now=$EPOCHREALTIME
    printf '%(%Y-%m-%dT%H:%M:%S)T.%s000Z %s F %s\\n' "\${now%.*}" "\${now#*.}" "$stream" "$line"
  done
}
pump stdout <&3 3<&- 4<&- 5>&- >>"$log" &
out=$!
pump stderr <&4 3<&- 4<&- 5>&- >>"$log" &
err=$!
exec 3<&- 4<&- 5>&-
wait $out $err
[ -n "$keeper" ] && kill $keeper 2>/dev/null
exit 0
`;

export function writeCriLogger(path: string): void {
  if (!existsSync(path) || Bun.file(path).size !== CRI_LOGGER_SCRIPT.length) writeFileSync(path, CRI_LOGGER_SCRIPT);
  chmodSync(path, 0o755);
}

export interface CriLine {
  time: string;
  stream: "stdout" | "stderr";
  partial: boolean;
  text: string;
}

export function parseCriLine(line: string): CriLine | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/.exec(line) ?? /^(\S+) (stdout|stderr) ([FP])$/.exec(line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as "stdout" | "stderr", partial: m[3] === "P", text: m[4] ?? "" };
}

/** A CRI line as kubectl logs shows it. */
function render(l: CriLine, timestamps: boolean): string {
  return `${timestamps ? `${l.time} ` : ""}${l.text}${l.partial ? "" : "\n"}`;
}

function selected(lines: CriLine[], opts: LogOptions): CriLine[] {
  let out = opts.since ? lines.filter((l) => Date.parse(l.time) >= opts.since!.getTime()) : lines;
  if (opts.tail !== undefined && opts.tail >= 0) out = opts.tail === 0 ? [] : out.slice(-Math.floor(opts.tail));
  return out;
}

/**
 * The file's lines as a stream; with follow, new lines as they are written until
 * `running()` says the container ended (and the file was read to its end).
 */
export function openCriLogStream(path: string, opts: LogOptions, running: () => Promise<boolean>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let offset = 0;
  let rest = "";
  let cancelled = false;
  const readNew = (): CriLine[] => {
    if (!existsSync(path)) return [];
    const size = statSync(path).size;
    if (size <= offset) return [];
    const fd = openSync(path, "r");
    try {
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const parts = (rest + buf.toString("utf8")).split("\n");
      rest = parts.pop() ?? "";
      return parts.map(parseCriLine).filter((l): l is CriLine => !!l);
    } finally {
      closeSync(fd);
    }
  };
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const first = selected(readNew(), opts);
      if (first.length) controller.enqueue(enc.encode(first.map((l) => render(l, !!opts.timestamps)).join("")));
      if (!opts.follow) return controller.close();
      let checked = 0;
      while (!cancelled) {
        await Bun.sleep(100);
        const more = readNew().filter((l) => !opts.since || Date.parse(l.time) >= opts.since.getTime());
        if (cancelled) return;
        if (more.length) controller.enqueue(enc.encode(more.map((l) => render(l, !!opts.timestamps)).join("")));
        if (Date.now() - checked > 1000) {
          checked = Date.now();
          if (!(await running().catch(() => false))) {
            const last = readNew();
            if (last.length && !cancelled) controller.enqueue(enc.encode(last.map((l) => render(l, !!opts.timestamps)).join("")));
            if (!cancelled) controller.close();
            return;
          }
        }
      }
    },
    cancel() {
      cancelled = true;
    },
  });
}
