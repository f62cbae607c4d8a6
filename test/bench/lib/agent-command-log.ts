// Counts the external commands a process runs, without touching its code: a folder of
// tiny shell wrappers put first on its PATH logs "PPID NAME ARGS" for each call, then
// execs the real tool. The parent pid tells the agent's own calls from those of the
// tools it runs (netavark calling iptables, say).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type CommandLog = { binDir: string; logPath: string; tools: string[] };

export function createCommandLog(dir: string, tools: string[]): CommandLog {
  const binDir = join(dir, "bin");
  mkdirSync(binDir, { recursive: true });
  const logPath = join(dir, "commands.log");
  writeFileSync(logPath, "");
  const wrapped: string[] = [];
  for (const tool of tools) {
    const real = Bun.which(tool, { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" }) ?? Bun.which(tool, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" });
    if (!real) continue;
    const wrapper = join(binDir, tool);
    // printf is a shell builtin: the wrapper adds no process of its own before the exec.
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s %s %s\\n' "$PPID" "${tool}" "$*" >> '${logPath}'\nexec '${real}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    wrapped.push(tool);
  }
  return { binDir, logPath, tools: wrapped };
}

/** PATH with the wrappers first. */
export function wrappedPath(log: CommandLog): string {
  return `${log.binDir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`;
}

export type CommandEntry = { ppid: number; tool: string; args: string };

/** Entries logged so far; pass a previous length to read only what came after it. */
export function readCommandLog(log: CommandLog, fromLine = 0): CommandEntry[] {
  if (!existsSync(log.logPath)) return [];
  const lines = readFileSync(log.logPath, "utf8").split("\n").filter(Boolean);
  return lines.slice(fromLine).map((line) => {
    const [ppid, tool, ...args] = line.split(" ");
    return { ppid: Number(ppid), tool: tool ?? "", args: args.join(" ") };
  });
}

export function commandLogLength(log: CommandLog): number {
  return readCommandLog(log).length;
}

/**
 * Groups entries by tool and the first words of their arguments, most frequent first,
 * e.g. "podman container inspect" or "podman ps".
 */
export function groupCommands(entries: CommandEntry[]): { command: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const words = e.args.split(" ").filter((w) => w && !w.startsWith("-"));
    const sub = words[0] === "container" || words[0] === "pod" || words[0] === "image" ? words.slice(0, 2) : words.slice(0, 1);
    const key = [e.tool, ...sub].join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([command, count]) => ({ command, count })).sort((a, b) => b.count - a.count);
}

