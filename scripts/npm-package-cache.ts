// Fetches one exact npm package version with `npm pack` (so npm's own registry, proxy
// and certificate settings apply) and unpacks it into a cache folder. The build uses it
// for the pieces of another CPU architecture that npm does not install on this host.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

export type FetchOptions = {
  cacheDir: string;
  /** Never contact the registry: a package missing from the cache is an error. */
  offline?: boolean;
};

/** Directory holding the unpacked package (its package.json at the top). */
export function cachedPackageDir(name: string, version: string, cacheDir: string): string {
  return join(cacheDir, `${name.replace(/^@/, "").replace("/", "-")}-${version}`);
}

export async function fetchNpmPackage(name: string, version: string, { cacheDir, offline = false }: FetchOptions): Promise<string> {
  const dir = cachedPackageDir(name, version, cacheDir);
  if (existsSync(join(dir, "package.json"))) return dir;
  if (offline) {
    throw new Error(`${name}@${version} is not in ${cacheDir}; run \`npm run build\` once with access to the npm registry`);
  }

  mkdirSync(cacheDir, { recursive: true });
  const pack = Bun.spawn(["npm", "pack", "--silent", `${name}@${version}`, "--pack-destination", cacheDir], {
    cwd: cacheDir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(pack.stdout).text(), new Response(pack.stderr).text(), pack.exited]);
  if (code !== 0) throw new Error(`npm pack ${name}@${version} failed:\n${stderr}`);
  const tarball = join(cacheDir, stdout.trim().split("\n").pop()!);

  // Unpack beside the final folder and rename, so an interrupted build never leaves half a package.
  const scratch = `${dir}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const untar = Bun.spawnSync(["tar", "-xzf", tarball, "-C", scratch, "--strip-components=1"], { stderr: "pipe" });
  rmSync(tarball, { force: true });
  if (untar.exitCode !== 0) throw new Error(`unpacking ${tarball} failed:\n${untar.stderr.toString()}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  return dir;
}
