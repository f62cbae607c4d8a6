// skiff as a child process: the compiled binary when built, or `bun src/main.ts`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

const root = join(import.meta.dir, "../..");
export const compiledBinary = join(root, "dist/skiff-linux-amd64");

export function skiffCommand(prefer: "binary" | "source" = "source"): string[] {
  if (prefer === "binary") {
    if (!existsSync(compiledBinary)) throw new Error(`${compiledBinary} is missing: run npm run build`);
    return [compiledBinary];
  }
  return [join(root, "node_modules/.bin/bun"), join(root, "src/main.ts")];
}

export type SkiffProcess = { proc: Subprocess<"ignore", "pipe", "pipe">; output: () => string; waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray> };

export function spawnSkiff(cmd: string[], args: string[], env: Record<string, string> = {}): SkiffProcess {
  const proc = Bun.spawn([...cmd, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  let out = "";
  const waiters: (() => void)[] = [];
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      out += decoder.decode(chunk, { stream: true });
      for (const w of waiters.splice(0)) w();
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    proc,
    output: () => out,
    async waitFor(pattern, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`skiff exited ${proc.exitCode} before printing ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), Bun.sleep(200)]);
      }
    },
  };
}
