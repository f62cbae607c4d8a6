// How a skiff process ends: how long it took after a signal, with which code, whether its
// port is free and whether anything it started is still running. Also a `podman` that
// hangs on one subcommand, to play a stuck runtime call.
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { execa } from "execa";

/** Sends `signal` and waits up to `limitMs` for the exit; `code` is null when it did not exit in time. */
export async function signalAndWait(proc: Subprocess, signal: NodeJS.Signals, limitMs = 10_000): Promise<{ code: number | null; ms: number }> {
  const t0 = performance.now();
  proc.kill(signal);
  return waitExit(proc, limitMs, t0);
}

export async function waitExit(proc: Subprocess, limitMs: number, t0 = performance.now()): Promise<{ code: number | null; ms: number }> {
  const code = await Promise.race([proc.exited, Bun.sleep(limitMs).then(() => null)]);
  const ms = Math.round(performance.now() - t0);
  if (code === null) proc.kill("SIGKILL");
  return { code, ms };
}

/** TCP ports listening (in the network namespace `prefix` enters, or this one). */
export async function listeningPorts(prefix: string[] = []): Promise<number[]> {
  const r = await execa(prefix[0] ?? "ss", [...prefix.slice(1), ...(prefix.length ? ["ss"] : []), "-Hltn"]);
  return r.stdout.split("\n").flatMap((l) => {
    const m = l.trim().split(/\s+/)[3]?.match(/:(\d+)$/);
    return m ? [Number(m[1])] : [];
  });
}

/** The programs a skiff process starts (never the containers it runs or their conmon). */
const HELPERS = new Set(["podman", "setpriv", "ip", "nft", "iptables", "sleep", "sh", "bun", "skiff-linux-amd"]);

/** Helper processes whose command line or environment names `dir` (a data dir: podman calls carry its config path). */
export function helpersMentioning(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      if (!HELPERS.has(comm)) continue;
      const text = readFileSync(`/proc/${pid}/cmdline`, "utf8") + readFileSync(`/proc/${pid}/environ`, "utf8");
      if (text.includes(dir)) found.push(`${pid} ${comm}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Polls until `fn` holds or `ms` passed; returns whether it held. */
export async function within(ms: number, fn: () => boolean | Promise<boolean>): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await Bun.sleep(200);
  }
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie has ended
  } catch {
    return false;
  }
}

/**
 * A folder to put first on PATH: its `podman` runs the real one, except for `podman WORDS…`
 * (e.g. "pod create"), which writes its pid to `marker` and then hangs for an hour.
 */
export function stuckPodman(dir: string, words: string, marker: string): string {
  const real = Bun.which("podman");
  if (!real) throw new Error("podman not found: apt-get install -y podman runc");
  const bin = join(dir, "stuck-bin");
  mkdirSync(bin, { recursive: true });
  const n = words.split(" ").length;
  const script = `#!/bin/sh
case "$(echo "$@" | cut -d' ' -f1-${n})" in
  "${words}") echo $$ > '${marker}'; exec sleep 3600 ;;
esac
exec '${real}' "$@"
`;
  writeFileSync(join(bin, "podman"), script);
  chmodSync(join(bin, "podman"), 0o755);
  return bin;
}
