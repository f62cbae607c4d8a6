// The Bun runtime a compiled executable is built on. `--compile` appends the bundle to
// a Bun binary of the target platform: for the host that is the running Bun itself; for
// another architecture it is the same Bun version from npm (@oven/bun-linux-aarch64…),
// fetched here rather than by Bun so that the build controls where it comes from and a
// build with `offline` set provably never downloads.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fetchNpmPackage, type FetchOptions } from "./npm-package-cache.ts";

/** npm's package name for each Linux CPU that skiff ships for, keyed by process.arch. */
const runtimePackages: Record<string, string> = {
  x64: "@oven/bun-linux-x64",
  arm64: "@oven/bun-linux-aarch64",
};

/** Path of a Bun executable, of the running Bun's version, for the CPU named like process.arch. */
export async function bunRuntimeFor(cpu: "x64" | "arm64", fetch: FetchOptions): Promise<string> {
  if (cpu === process.arch) return process.execPath;
  const dir = await fetchNpmPackage(runtimePackages[cpu]!, Bun.version, fetch);
  const bun = join(dir, "bin/bun");
  if (!existsSync(bun)) throw new Error(`${runtimePackages[cpu]}@${Bun.version} holds no bin/bun`);
  return bun;
}
