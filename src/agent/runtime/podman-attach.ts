// `podman attach`: a session on the running container's own stdio (kubectl attach,
// kubectl run -i). Detaching (kill) leaves the container running; closing stdin
// closes the container's stdin, as a stdinOnce container expects.
import type { PodmanCli } from "./podman-cli.ts";
import { openPodmanSession } from "./podman-exec.ts";
import type { AttachOptions, ExecSession } from "./types.ts";

export function attachArgs(id: string, opts: AttachOptions): string[] {
  // No detach keys: every byte of stdin is the container's.
  return ["attach", "--sig-proxy=false", "--detach-keys=", ...(opts.stdin ? [] : ["--no-stdin"]), id];
}

export function openAttachSession(cli: PodmanCli, id: string, opts: AttachOptions): ExecSession {
  const session = openPodmanSession(cli, attachArgs(id, opts), opts);
  return opts.tty ? session : { ...session, stdout: withoutClosingNewline(session.stdout) };
}

/** Without a terminal, podman attach writes one "\n" of its own when the container ends. */
function withoutClosingNewline(stream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  let held: Uint8Array | undefined;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (held) controller.enqueue(held);
        held = undefined;
        if (chunk.length === 1 && chunk[0] === 0x0a) held = chunk;
        else controller.enqueue(chunk);
      },
    }),
  );
}
