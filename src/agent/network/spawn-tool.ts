// Host tools on a pod's start path (ip, unshare), started with Bun.spawn: node:child_process,
// which execa uses, holds the event loop until each child has started (see PodmanCli.run),
// and a pod's network is made while the agent serves the API. Same contract as runTool.
import { killOnExit } from "../../lifecycle/child-processes.ts";
import { NetworkCommandError, type CommandPrefix } from "./command.ts";

const TIMEOUT_MS = 30_000;

export async function spawnTool(prefix: CommandPrefix | undefined, command: string[], input?: string): Promise<string> {
  const argv = [...(prefix ?? []), ...command];
  let proc: ReturnType<typeof Bun.spawn>;
  try {
    proc = Bun.spawn(argv, { stdin: input === undefined ? "ignore" : new TextEncoder().encode(input), stdout: "pipe", stderr: "pipe" });
  } catch (e) {
    throw new NetworkCommandError(command, (e as Error).message);
  }
  killOnExit({ then: (a, b) => proc.exited.then(a, b), kill: (s) => (proc.kill(s), true) });
  const timer = setTimeout(() => proc.kill("SIGKILL"), TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout as ReadableStream).text(), new Response(proc.stderr as ReadableStream).text(), proc.exited]);
  clearTimeout(timer);
  if (code !== 0) throw new NetworkCommandError(command, stderr);
  return stdout;
}
