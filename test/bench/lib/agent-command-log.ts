// Counts and times the external commands a process runs, without touching its code: a
// folder of tiny bash wrappers put first on its PATH runs the real tool and logs
// "START END PPID NAME ARGS" (epoch seconds) for each call. The parent pid tells the
// agent's own calls from those of the tools it runs (netavark calling iptables, say).
// The wrapper waits for the tool instead of exec'ing it and passes SIGTERM/SIGINT on; a
// long-lived stream (`podman events`, `ctr events`) is exec'd instead and not logged, so the
// signals and the parent-death signal its caller sets reach the tool itself (a wrapper
// killed in its place left the stream running after the agent ended).
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
    // EPOCHREALTIME and printf are bash builtins: timing adds no process of its own.
    writeFileSync(
      wrapper,
      [
        "#!/bin/bash",
        `for a in "$@"; do [ "$a" = events ] && exec '${real}' "$@"; done`,
        "start=$EPOCHREALTIME",
        `'${real}' "$@" <&0 &`, // explicit stdin: a background job's default is /dev/null
        "child=$!",
        `trap 'kill -TERM $child 2>/dev/null' TERM INT`,
        // wait returns early when a trapped signal arrives: wait again for the tool's own exit.
        "wait $child; rc=$?",
        "while kill -0 $child 2>/dev/null; do wait $child; rc=$?; done",
        `printf '%s %s %s %s %s\\n' "$start" "$EPOCHREALTIME" "$PPID" "${tool}" "$*" >> '${logPath}'`,
        "exit $rc",
        "",
      ].join("\n"),
    );
    chmodSync(wrapper, 0o755);
    wrapped.push(tool);
  }
  return { binDir, logPath, tools: wrapped };
}

/** PATH with the wrappers first. */
export function wrappedPath(log: CommandLog): string {
  return `${log.binDir}:${process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`;
}

/** One finished call: start and end in epoch milliseconds. */
export type CommandEntry = { startMs: number; endMs: number; ppid: number; tool: string; args: string };

/** Entries logged so far; pass a previous length to read only what came after it. */
export function readCommandLog(log: CommandLog, fromLine = 0): CommandEntry[] {
  if (!existsSync(log.logPath)) return [];
  const lines = readFileSync(log.logPath, "utf8").split("\n").filter(Boolean);
  return lines.slice(fromLine).map((line) => {
    const [start, end, ppid, tool, ...args] = line.split(" ");
    return { startMs: Number(start) * 1000, endMs: Number(end) * 1000, ppid: Number(ppid), tool: tool ?? "", args: args.join(" ") };
  });
}

export function commandLogLength(log: CommandLog): number {
  return readCommandLog(log).length;
}

/**
 * Groups entries by tool and the first words of their arguments, most frequent first,
 * e.g. "podman container inspect" or "podman ps", with the time spent in them.
 */
export function groupCommands(entries: CommandEntry[]): { command: string; count: number; totalMs: number }[] {
  const groups = new Map<string, { count: number; totalMs: number }>();
  for (const e of entries) {
    const words = e.args.split(" ").filter((w) => w && !w.startsWith("-"));
    const sub = words[0] === "container" || words[0] === "pod" || words[0] === "image" ? words.slice(0, 2) : words.slice(0, 1);
    const key = [e.tool, ...sub].join(" ");
    const g = groups.get(key) ?? { count: 0, totalMs: 0 };
    g.count++;
    g.totalMs += e.endMs - e.startMs;
    groups.set(key, g);
  }
  return [...groups].map(([command, g]) => ({ command, ...g })).sort((a, b) => b.count - a.count);
}
