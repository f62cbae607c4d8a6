// Container logs as one byte stream: podman prints the container's stdout and
// stderr on its own stdout and stderr, and both are merged here, as kubectl
// logs shows them.
import type { PodmanCli } from "./podman-cli.ts";
import type { LogOptions } from "./types.ts";

export function logArgs(id: string, opts: LogOptions): string[] {
  const args = ["logs"];
  if (opts.follow) args.push("--follow");
  if (opts.tail !== undefined && opts.tail >= 0) args.push("--tail", String(Math.floor(opts.tail)));
  if (opts.timestamps) args.push("--timestamps");
  if (opts.since) args.push("--since", opts.since.toISOString());
  args.push(id);
  return args;
}

export function openLogStream(cli: PodmanCli, id: string, opts: LogOptions): ReadableStream<Uint8Array> {
  const proc = cli.spawn(logArgs(id, opts), "ignore");
  let open = 2;
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = () => {
        if (--open === 0 && !cancelled) {
          // A podman failure (e.g. no such container) ends the stream with an error.
          proc.then((r) => {
            if (r.exitCode !== 0 && !r.isTerminated) {
              controller.error(new Error(`podman logs ${id}: exit ${r.exitCode}`));
            } else {
              controller.close();
            }
          }, (e) => controller.error(e));
        }
      };
      for (const s of [proc.stdout, proc.stderr]) {
        if (!s) {
          finish();
          continue;
        }
        s.on("data", (chunk: Buffer) => {
          if (!cancelled) controller.enqueue(new Uint8Array(chunk));
        });
        s.on("end", finish);
        s.on("error", finish);
      }
    },
    cancel() {
      cancelled = true;
      proc.kill("SIGTERM");
    },
  });
}
