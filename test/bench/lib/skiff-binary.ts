// The compiled skiff binary the benchmark measures, rebuilt when any source is newer.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "../../..");
export const skiffBinary = join(root, "dist/skiff-linux-amd64");

/** Newest modification time (ms) of the files that go into the binary. */
function newestSourceMtime(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, "src"));
  walk(join(root, "scripts"));
  for (const f of ["package.json", "package-lock.json"]) if (existsSync(join(root, f))) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

/**
 * Returns the path of an up-to-date amd64 binary, building it (only this architecture:
 * the benchmark runs nothing else) when it is missing or older than its sources.
 */
export async function ensureFreshSkiffBinary(log: (line: string) => void): Promise<string> {
  const stale = !existsSync(skiffBinary) || statSync(skiffBinary).mtimeMs < newestSourceMtime();
  if (!stale) return skiffBinary;
  log(`${existsSync(skiffBinary) ? "dist/skiff-linux-amd64 is older than its sources" : "dist/skiff-linux-amd64 is missing"}: building it`);
  const build = Bun.spawn([join(root, "node_modules/.bin/bun"), join(root, "scripts/build.ts"), "amd64"], { cwd: root, stdout: "inherit", stderr: "inherit" });
  const code = await build.exited;
  if (code !== 0 || !existsSync(skiffBinary)) throw new Error(`building skiff failed (exit ${code}): run npm run build and read its output`);
  return skiffBinary;
}
