// A test image for in-cluster clients: the busybox test root filesystem plus the real
// kubectl binary and the bun binary (with the shared libraries ldd lists for it) running a
// bundled @kubernetes/client-node script. Made as a plain root-filesystem tar, loaded with
// `skiff images import --name`.
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { testRootfsTar } from "./images.ts";
import { kubectlPath } from "./kubectl.ts";

export const IN_CLUSTER_IMAGE = "localhost/skiff-test/in-cluster:1";
const root = join(import.meta.dir, "../..");
const bunBinary = join(root, "node_modules/bun/bin/bun.exe");
const watchScript = join(root, "test/fixtures/in-cluster/watch-configmaps.ts");

/** The shared libraries (and loader) a binary needs, as ldd prints them. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa("ldd", [binary]);
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

export async function inClusterRootfsTar(): Promise<string> {
  for (const [path, fix] of [[bunBinary, "npm ci"], ["/usr/bin/ldd", "apt-get install -y libc-bin"]] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
  }
  const kubectl = kubectlPath();
  const key = createHash("sha256")
    .update([kubectl, bunBinary].map((f) => `${statSync(f).size}:${statSync(f).mtimeMs}`).join("|"))
    .update(readFileSync(watchScript))
    .update(readFileSync(import.meta.path))
    .digest("hex")
    .slice(0, 12);
  const out = join(tmpdir(), `skiff-in-cluster-${key}.tar`);
  if (existsSync(out)) return out;
  const dir = join(tmpdir(), `skiff-in-cluster-${key}.${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await execa("tar", ["-xf", await testRootfsTar(1), "-C", dir]);
  copyFileSync(kubectl, join(dir, "bin/kubectl"));
  copyFileSync(bunBinary, join(dir, "bin/bun"));
  for (const f of ["bin/kubectl", "bin/bun"]) chmodSync(join(dir, f), 0o755);
  for (const lib of await sharedLibraries(bunBinary)) {
    mkdirSync(join(dir, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(dir, lib));
  }
  mkdirSync(join(dir, "app"));
  const built = await execa(bunBinary, ["build", "--target=bun", watchScript, "--outfile", join(dir, "app/watch.js")], { cwd: root, reject: false });
  if (built.exitCode !== 0) throw new Error(`bun build of ${watchScript} failed: ${built.stderr}`);
  const tmp = `${out}.${process.pid}.tmp`;
  await execa("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir, "-cf", tmp, "."]);
  renameSync(tmp, out);
  rmSync(dir, { recursive: true, force: true });
  return out;
}
