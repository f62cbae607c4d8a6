// Container events of one node from a single long-lived `podman events` process, so the
// agent learns of a container's death without asking podman over and over. The stream
// starts at the end of podman's event log: what happened before is found by listing.
import type { PodmanCli } from "./podman-cli.ts";
import { labelFilterArgs, LABEL_NODE } from "./labels.ts";
import { parseEventLine } from "./podman-parse.ts";
import { readLines } from "../subprocess.ts";
import type { RuntimeEvent, RuntimeEventStream } from "./types.ts";

export function eventArgs(nodeName: string): string[] {
  return ["events", "--format", "json", "--filter", "type=container", ...labelFilterArgs({ [LABEL_NODE]: nodeName })];
}

export function openEventStream(cli: PodmanCli, nodeName: string, onEvent: (e: RuntimeEvent) => void): RuntimeEventStream {
  // It must not outlive the agent, even one killed with SIGKILL.
  const proc = cli.spawn(eventArgs(nodeName), "ignore", { dieWithParent: true });
  // stderr is drained so a chatty podman never blocks on a full pipe.
  void proc.stderr.pipeTo(new WritableStream()).catch(() => {});
  const ended = readLines(proc.stdout, (line) => {
    const e = line.trim() ? parseEventLine(line) : undefined;
    if (e) onEvent(e);
  })
    .catch(() => {})
    .then(() => proc.exited)
    .then(
      () => undefined,
      () => undefined,
    );
  return { ended, stop: () => proc.kill("SIGTERM") };
}
