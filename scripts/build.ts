// Builds skiff as single self-contained executables, one per CPU architecture:
//   dist/skiff-linux-amd64, dist/skiff-linux-arm64, and dist/skiff -> the host's one.
// Usage: bun scripts/build.ts [--offline] [amd64] [arm64]   (no architecture: both)
//
// The other architecture's Bun runtime and libsql addon come from the npm registry once
// and are kept in node_modules/.cache/skiff; --offline refuses to fetch them.
import { existsSync, mkdirSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { bunRuntimeFor } from "./bun-runtime.ts";
import { findComputedImports } from "./computed-imports.ts";
import { libsqlAddonPath, type LibsqlPlatform } from "./libsql-addon.ts";
import { libsqlStaticRequire } from "./libsql-static-require.ts";
import { PARSER_HEADER_FLAG } from "../src/api/http/header-limit.ts";

export type Arch = "amd64" | "arm64";

const root = join(import.meta.dir, "..");
export const defaultEntry = join(root, "src/main.ts");
export const defaultOutDir = join(root, "dist");
export const defaultCacheDir = join(root, "node_modules/.cache/skiff");
/** The functions `skiff server` runs while it starts (scripts/record-bytecode-order.ts records them). */
export const serverBytecodeOrder = join(root, "scripts/bytecode-order/server.order");

/**
 * How skiff's own executable lays out and starts its code. The bytecode that starting the
 * server uses is stored together, so fewer pages of the executable are read into memory;
 * and the JIT starts 100× more reluctant, so code that runs once at startup stays in the
 * interpreter and takes no JIT memory, until a command that serves calls
 * Bun.unsafe.setJITPolicy(1) (src/cli/settle.ts).
 */
export function skiffLayout(): { bytecodeOrder?: string; jitPolicy: number } {
  return { bytecodeOrder: existsSync(serverBytecodeOrder) ? serverBytecodeOrder : undefined, jitPolicy: 100 };
}

export const targets: Record<Arch, { bunTarget: Bun.Build.CompileTarget; cpu: "x64" | "arm64"; libsql: LibsqlPlatform }> = {
  amd64: { bunTarget: "bun-linux-x64", cpu: "x64", libsql: "linux-x64-gnu" },
  arm64: { bunTarget: "bun-linux-arm64", cpu: "arm64", libsql: "linux-arm64-gnu" },
};

/** The architecture this machine runs, in the names skiff's binaries use. */
export function hostArch(): Arch | undefined {
  return process.arch === "x64" ? "amd64" : process.arch === "arm64" ? "arm64" : undefined;
}

/** `bytecodeOrder` and `jitPolicy`: see skiffLayout. */
export type CompileOptions = { entry: string; outfile: string; arch: Arch; cacheDir?: string; offline?: boolean; bytecodeOrder?: string; jitPolicy?: number };
/** `inputs`: the files that went into the executable, relative to the repository root. */
export type CompileResult = { outfile: string; bytes: number; ms: number; inputs: string[] };

/** Compiles one entry point and everything it imports into a standalone executable. */
export async function compileExecutable({ entry, outfile, arch, cacheDir = defaultCacheDir, offline = false, bytecodeOrder, jitPolicy }: CompileOptions): Promise<CompileResult> {
  const started = performance.now();
  const target = targets[arch];
  const fetch = { cacheDir, offline };
  const [addon, runtime] = await Promise.all([libsqlAddonPath(target.libsql, fetch), bunRuntimeFor(target.cpu, fetch)]);
  // Written beside the target and renamed into place: replacing a running executable
  // in place fails (ETXTBSY), and a failed build must not leave half a file behind.
  mkdirSync(dirname(outfile), { recursive: true });
  const staging = join(dirname(outfile), `.build-${process.pid}-${arch}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const inputs = await bundle(entry, join(staging, basename(outfile)), target.bunTarget, runtime, addon, { bytecodeOrder, jitPolicy });
    renameSync(join(staging, basename(outfile)), outfile);
    return { outfile, bytes: statSync(outfile).size, ms: Math.round(performance.now() - started), inputs };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function bundle(entry: string, outfile: string, bunTarget: Bun.Build.CompileTarget, runtime: string, addon: string, layout: { bytecodeOrder?: string; jitPolicy?: number }): Promise<string[]> {
  const result = await Bun.build({
    entrypoints: [entry],
    target: "bun",
    plugins: [libsqlStaticRequire(addon)],
    // Production whatever NODE_ENV the machine sets: libraries take their production paths
    // (the servers also pass development: false to Bun.serve, which reads NODE_ENV at run time).
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    metafile: true,
    // Precompiled bytecode: the executable starts without parsing its bundle (~3x faster).
    bytecode: true,
    format: "esm",
    // Bun embeds the source map in the executable, so stack traces from the field
    // point at the TypeScript sources; the .map file it also writes stays in staging.
    sourcemap: "external",
    compile: {
      target: bunTarget,
      executablePath: runtime,
      outfile,
      // Long URLs and headers reach skiff's own 414/431 answers (src/api/http/header-limit.ts).
      execArgv: [PARSER_HEADER_FLAG],
      // A server binary must behave the same in every directory it is started from.
      autoloadDotenv: false,
      autoloadBunfig: false,
      bytecodeOrder: layout.bytecodeOrder,
      jitPolicy: layout.jitPolicy,
    },
  });
  if (!result.success) {
    const messages = result.logs.map((log) => String(log)).join("\n");
    throw new Error(`building ${basename(outfile)} from ${relative(root, entry)} failed:\n${messages}`);
  }

  // Metafile paths are relative to the working directory.
  const inputs = Object.keys(result.metafile?.inputs ?? {}).map((p) => relative(root, resolve(p)));
  const computed = findComputedImports(inputs.filter(isOwnSource).map((p) => join(root, p)));
  if (computed.length > 0) {
    const where = computed.map((c) => `  ${relative(root, c.file)}:${c.line}: ${c.text}`).join("\n");
    throw new Error(`computed import()/require() cannot be embedded in the executable; name each module with a string literal:\n${where}`);
  }
  return inputs;
}

export type BuildOptions = { arches?: Arch[]; outDir?: string; entry?: string; cacheDir?: string; offline?: boolean };

/** Builds skiff for each architecture into outDir and points outDir/skiff at the host's build. */
export async function buildSkiff({ arches = ["amd64", "arm64"], outDir = defaultOutDir, entry = defaultEntry, cacheDir, offline }: BuildOptions = {}): Promise<CompileResult[]> {
  mkdirSync(outDir, { recursive: true });
  const results: CompileResult[] = [];
  // One after the other: each build holds a ~100 MB runtime in memory.
  for (const arch of arches) {
    const layout = entry === defaultEntry ? skiffLayout() : {};
    results.push(await compileExecutable({ entry, outfile: join(outDir, `skiff-linux-${arch}`), arch, cacheDir, offline, ...layout }));
  }
  const host = hostArch();
  if (host && arches.includes(host)) {
    const link = join(outDir, "skiff");
    rmSync(link, { force: true });
    symlinkSync(`skiff-linux-${host}`, link);
  }
  return results;
}

function isOwnSource(path: string): boolean {
  return !path.includes("node_modules") && /\.[cm]?[jt]sx?$/.test(path);
}

function parseArgs(args: string[]): BuildOptions {
  const arches: Arch[] = [];
  let offline = false;
  for (const a of args) {
    if (a === "--offline") offline = true;
    else if (Object.hasOwn(targets, a)) arches.push(a as Arch);
    else throw new Error(`unknown argument "${a}" (expected --offline, ${Object.keys(targets).join(", ")})`);
  }
  return { arches: arches.length > 0 ? arches : undefined, offline };
}

if (import.meta.main) {
  try {
    const started = performance.now();
    for (const r of await buildSkiff(parseArgs(process.argv.slice(2)))) {
      console.log(`${relative(root, r.outfile)}  ${(r.bytes / 1e6).toFixed(1)} MB  ${(r.ms / 1000).toFixed(1)} s  (${r.inputs.length} files)`);
    }
    console.log(`built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
