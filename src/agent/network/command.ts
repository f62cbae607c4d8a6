// Runs the host tools the network modules drive (nft, ip, iptables-restore), optionally
// under a prefix such as `ip netns exec NAME` so tests act inside their own namespace.
import { execa } from "execa";
import { killOnExit } from "../../lifecycle/child-processes.ts";

export type CommandPrefix = string[];

export class NetworkCommandError extends Error {
  constructor(
    readonly command: string[],
    readonly stderr: string,
  ) {
    super(`${command.join(" ")}: ${stderr.trim() || "failed"}`);
  }
}

export async function runTool(prefix: CommandPrefix | undefined, command: string[], input?: string): Promise<string> {
  const argv = [...(prefix ?? []), ...command];
  const r = await killOnExit(execa(argv[0]!, argv.slice(1), { input, reject: false, timeout: 30_000 }));
  if (r.exitCode !== 0) throw new NetworkCommandError(command, String(r.stderr ?? ""));
  return String(r.stdout ?? "");
}

/** Same, but a failure is only reported, for removals of things that may be gone already. */
export async function tryTool(prefix: CommandPrefix | undefined, command: string[]): Promise<boolean> {
  const argv = [...(prefix ?? []), ...command];
  const r = await killOnExit(execa(argv[0]!, argv.slice(1), { reject: false, timeout: 30_000 }));
  return r.exitCode === 0;
}

export function hasTool(name: string): boolean {
  return !!Bun.which(name) || !!Bun.which(name, { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" });
}
