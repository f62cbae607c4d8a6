// The single-binary promise: `npm run build` yields self-contained executables for
// linux/amd64 and linux/arm64 that run from a folder with nothing beside them, libsql's
// native addon included. The arm64 build runs under qemu user-mode emulation.
// The build here runs with --offline: a test never downloads; a machine that has never
// run `npm run build` (which fetches the arm64 Bun runtime and libsql addon from npm)
// fails with that instruction.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileExecutable } from "../../scripts/build.ts";
import { VERSION } from "../../src/version.ts";

const root = join(import.meta.dir, "../..");
const dist = join(root, "dist");
const bun = join(root, "node_modules/.bin/bun");
const binaries = { amd64: join(dist, "skiff-linux-amd64"), arm64: join(dist, "skiff-linux-arm64") };

const scratch = mkdtempSync(join(tmpdir(), "skiff-binary-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A new empty folder: no node_modules, no package.json, nothing to fall back on. */
function emptyDir(): string {
  return mkdtempSync(join(scratch, "run-"));
}

type Run = { code: number; stdout: string; stderr: string };
async function run(cmd: string[], cwd: string): Promise<Run> {
  // A bare environment, so nothing (NODE_PATH, BUN_* variables) leads back to the checkout.
  const proc = Bun.spawn(cmd, { cwd, env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: cwd }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Copies an executable alone into an empty folder and returns its new path. */
function isolate(executable: string): string {
  const dir = emptyDir();
  const copy = join(dir, executable.split("/").pop()!);
  copyFileSync(executable, copy);
  return copy;
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** dist/ is reused when both executables are newer than every input of the build. */
function distIsFresh(): boolean {
  if (!existsSync(binaries.amd64) || !existsSync(binaries.arm64) || !existsSync(join(dist, "skiff"))) return false;
  const built = Math.min(statSync(binaries.amd64).mtimeMs, statSync(binaries.arm64).mtimeMs);
  const inputs = ["src", "scripts", "package.json", "package-lock.json", "tsconfig.json"].map((p) => join(root, p));
  return inputs.every((p) => !existsSync(p) || newestMtime(p) < built);
}

beforeAll(async () => {
  if (distIsFresh()) return;
  const build = await run([bun, join(root, "scripts/build.ts"), "--offline"], root);
  if (build.code !== 0) throw new Error(`npm run build failed (exit ${build.code}):\n${build.stdout}${build.stderr}`);
}, 300_000);

/** ELF e_machine of an executable: 62 is x86-64, 183 is AArch64. */
function elfMachine(path: string): number {
  const header = readFileSync(path).subarray(0, 20);
  expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return header.readUInt16LE(18);
}

describe("npm run build", () => {
  test("writes an amd64 and an arm64 executable and links dist/skiff to the host's", () => {
    expect(elfMachine(binaries.amd64)).toBe(62);
    expect(elfMachine(binaries.arm64)).toBe(183);
    for (const path of Object.values(binaries)) expect(statSync(path).mode & 0o111).toBe(0o111);
    expect(readlinkSync(join(dist, "skiff"))).toBe(process.arch === "arm64" ? "skiff-linux-arm64" : "skiff-linux-amd64");
    // The source map is embedded, not left beside the executables.
    expect(readdirSync(dist).filter((f) => f.endsWith(".map"))).toEqual([]);
  });

  test("refuses to download when offline and a package is not cached", async () => {
    const emptyCache = emptyDir();
    const attempt = compileExecutable({ entry: join(root, "scripts/libsql-probe.ts"), outfile: join(emptyCache, "probe"), arch: "arm64", cacheDir: emptyCache, offline: true });
    await expect(attempt).rejects.toThrow(/is not in .*npm run build/);
  });
});

describe("the amd64 executable, alone in an empty folder", () => {
  test("prints its version", async () => {
    const skiff = isolate(binaries.amd64);
    const r = await run([skiff, "version"], join(skiff, ".."));
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`skiff version ${VERSION}`);
    expect(r.code).toBe(0);
  }, 30_000);

  // The server command is a dynamically imported module whose imports reach the store,
  // so printing its help loads libsql's native addon from inside the executable.
  test("runs server --help", async () => {
    const skiff = isolate(binaries.amd64);
    const r = await run([skiff, "server", "--help"], join(skiff, ".."));
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Usage: skiff server");
    expect(r.code).toBe(0);
  }, 30_000);
});

describe("libsql's native addon is embedded", () => {
  async function probeTwice(arch: "amd64" | "arm64", prefix: string[]) {
    const built = join(emptyDir(), `libsql-probe-${arch}`);
    await compileExecutable({ entry: join(root, "scripts/libsql-probe.ts"), outfile: built, arch, offline: true });
    const probe = isolate(built);
    const dir = join(probe, "..");
    const first = await run([...prefix, probe, dir], dir);
    const second = await run([...prefix, probe, dir], dir);
    const cpu = arch === "amd64" ? "x64" : "arm64";
    expect(first.stderr).toBe("");
    expect(first.stdout.trim()).toBe(`libsql ok: 1 rows (${cpu})`);
    expect(second.stdout.trim()).toBe(`libsql ok: 2 rows (${cpu})`);
    expect(readFileSync(join(dir, "probe.db")).subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
  }

  test("amd64: a probe opens, writes and reads an SQLite file with no node_modules", () => probeTwice("amd64", []), 60_000);

  test("arm64: the same probe under qemu", () => probeTwice("arm64", qemu({ libgcc: true })), 60_000);
});

describe("the arm64 executable under qemu, alone in an empty folder", () => {
  test("prints its version", async () => {
    const skiff = isolate(binaries.arm64);
    const r = await run([...qemu({ libgcc: false }), skiff, "version"], join(skiff, ".."));
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`skiff version ${VERSION}`);
    expect(r.code).toBe(0);
  }, 60_000);

  test("runs server --help, loading the arm64 libsql addon", async () => {
    const skiff = isolate(binaries.arm64);
    const r = await run([...qemu({ libgcc: true }), skiff, "server", "--help"], join(skiff, ".."));
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Usage: skiff server");
    expect(r.code).toBe(0);
  }, 60_000);
});

describe("modules named in import() are embedded; computed ones stop the build", () => {
  test("a literal dynamic import runs from the executable", async () => {
    const src = emptyDir();
    writeFileSync(join(src, "main.ts"), `const load = () => import("./cli/hello.ts");\nconsole.log((await load()).greeting);\n`);
    mkdirSync(join(src, "cli"));
    writeFileSync(join(src, "cli/hello.ts"), `export const greeting = "hello from a lazily loaded module";\n`);
    const built = await compileExecutable({ entry: join(src, "main.ts"), outfile: join(src, "hello"), arch: "amd64", offline: true });
    expect(built.inputs.some((p) => p.endsWith("cli/hello.ts"))).toBe(true);
    const exe = isolate(built.outfile);
    const r = await run([exe], join(exe, ".."));
    expect(r.stdout.trim()).toBe("hello from a lazily loaded module");
  }, 30_000);

  test("a template-literal import fails the build with its location", async () => {
    const src = emptyDir();
    writeFileSync(join(src, "main.ts"), `const name = process.argv[2];\nawait import(\`./cli/\${name}.ts\`);\n`);
    const attempt = compileExecutable({ entry: join(src, "main.ts"), outfile: join(src, "out"), arch: "amd64", offline: true });
    await expect(attempt).rejects.toThrow(/main\.ts:2: await import\(`\.\/cli\//);
    expect(existsSync(join(src, "out"))).toBe(false);
  }, 30_000);
});

/** The qemu command prefix for running an arm64 executable, or a failure saying what to install. */
function qemu({ libgcc }: { libgcc: boolean }): string[] {
  const sysroot = "/usr/aarch64-linux-gnu";
  const needs: [boolean, string][] = [
    [Bun.which("qemu-aarch64-static") !== null, "qemu-user-static"],
    [existsSync(join(sysroot, "lib/ld-linux-aarch64.so.1")), "libc6-arm64-cross"],
    // libsql's addon links libgcc_s, part of every real arm64 Debian system.
    [!libgcc || existsSync(join(sysroot, "lib/libgcc_s.so.1")), "libgcc-s1-arm64-cross"],
  ];
  const missing = needs.filter(([ok]) => !ok).map(([, pkg]) => pkg);
  if (missing.length > 0) throw new Error(`arm64 emulation needs: apt-get install -y ${missing.join(" ")}`);
  return ["qemu-aarch64-static", "-L", sysroot];
}
