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
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const pump = async (s: ReadableStream<Uint8Array>) => {
        for await (const chunk of s) if (!cancelled) controller.enqueue(chunk);
      };
      void Promise.all([pump(proc.stdout), pump(proc.stderr)])
        .then(() => proc.exited)
        .then(
          (code) => {
            if (cancelled) return;
            // A podman failure (e.g. no such container) ends the stream with an error.
            if (code !== 0 && proc.signalCode === null) controller.error(new Error(`podman logs ${id}: exit ${code}`));
            else controller.close();
          },
          (e) => {
            if (!cancelled) controller.error(e);
          },
        );
    },
    cancel() {
      cancelled = true;
      proc.kill("SIGTERM");
    },
  });
}
