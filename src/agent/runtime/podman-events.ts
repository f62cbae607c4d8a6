// Container events of one node from a single long-lived `podman events` process, so the
// agent learns of a container's death without asking podman over and over. The stream
// starts at the end of podman's event log: what happened before is found by listing.
import type { PodmanCli } from "./podman-cli.ts";
import { labelFilterArgs, LABEL_NODE } from "./labels.ts";
import { parseEventLine } from "./podman-parse.ts";
import type { RuntimeEvent, RuntimeEventStream } from "./types.ts";

export function eventArgs(nodeName: string): string[] {
  return ["events", "--format", "json", "--filter", "type=container", ...labelFilterArgs({ [LABEL_NODE]: nodeName })];
}

export function openEventStream(cli: PodmanCli, nodeName: string, onEvent: (e: RuntimeEvent) => void): RuntimeEventStream {
  const proc = cli.spawn(eventArgs(nodeName), "ignore", { dieWithParent: true });
  let rest = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const e = line.trim() ? parseEventLine(line) : undefined;
      if (e) onEvent(e);
    }
  });
  // stderr is drained so a chatty podman never blocks on a full pipe.
  proc.stderr?.resume();
  const ended = proc.then(
    () => undefined,
    () => undefined,
  );
  return { ended, stop: () => void proc.kill("SIGTERM") };
}
