// Finds libsql's prebuilt native addon (index.node) for a target platform. npm installs
// only the host's addon package; another platform's comes from the npm registry.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fetchNpmPackage, type FetchOptions } from "./npm-package-cache.ts";

const root = join(import.meta.dir, "..");

/** The libsql addon package suffix, e.g. "linux-x64-gnu" in "@libsql/linux-x64-gnu". */
export type LibsqlPlatform = "linux-x64-gnu" | "linux-arm64-gnu";

/** Directory of the `libsql` package that @libsql/client loads. */
function libsqlPackageDir(): string {
  const client = createRequire(join(root, "package.json")).resolve("@libsql/client");
  return dirname(createRequire(client).resolve("libsql/package.json"));
}

/** The exact addon version libsql pins for a platform in its optionalDependencies. */
export function libsqlAddonVersion(platform: LibsqlPlatform): string {
  const pkg = JSON.parse(readFileSync(join(libsqlPackageDir(), "package.json"), "utf8"));
  const version = pkg.optionalDependencies?.[`@libsql/${platform}`];
  if (typeof version !== "string") throw new Error(`libsql ${pkg.version} lists no @libsql/${platform} addon`);
  return version;
}

/** Absolute path of index.node for `platform`: the installed one, else a cached download. */
export async function libsqlAddonPath(platform: LibsqlPlatform, fetch: FetchOptions): Promise<string> {
  const name = `@libsql/${platform}`;
  const version = libsqlAddonVersion(platform);
  const addon = join(installedPackageDir(name, version) ?? (await fetchNpmPackage(name, version, fetch)), "index.node");
  if (!existsSync(addon)) throw new Error(`${name}@${version} holds no index.node`);
  return addon;
}

function installedPackageDir(name: string, version: string): string | undefined {
  try {
    const pkgJson = createRequire(join(libsqlPackageDir(), "index.js")).resolve(`${name}/package.json`);
    return JSON.parse(readFileSync(pkgJson, "utf8")).version === version ? dirname(pkgJson) : undefined;
  } catch {
    return undefined;
  }
}
