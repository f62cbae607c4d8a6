// Local test images made from busybox-static, because no registry is
// reachable. Built once per busybox binary (content is deterministic, so the
// image IDs are stable), then loaded into whichever driver's storage asks.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { RuntimeDriver } from "../../src/agent/runtime/types.ts";

export const BUSYBOX = "/bin/busybox";
export const TEST_IMAGE_1 = "localhost/skiff-test/busybox:1";
export const TEST_IMAGE_2 = "localhost/skiff-test/busybox:2";
export type TestImageVersion = 1 | 2;

export function testImageRef(version: TestImageVersion): string {
  return version === 1 ? TEST_IMAGE_1 : TEST_IMAGE_2;
}

function requireBusybox(): void {
  if (!existsSync(BUSYBOX)) throw new Error("busybox-static not found: apt-get install -y busybox-static");
}

/** One cache folder per busybox binary, shared by every test file of a run. */
function cacheDir(): string {
  requireBusybox();
  const st = statSync(BUSYBOX);
  const key = createHash("sha256").update(`${st.size}:${st.mtimeMs}:v1`).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `skiff-test-images-${key}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Deterministic tar: fixed owner, order and times, so equal input gives equal bytes. */
async function tarDir(dir: string, out: string): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  await execa("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", dir, "-cf", tmp, "."]);
  renameSync(tmp, out);
}

async function buildRootfs(dir: string, version: TestImageVersion): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  for (const d of ["bin", "etc", "tmp", "proc", "sys", "dev", "www", "root"]) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, "tmp"), 0o1777);
  copyFileSync(BUSYBOX, join(dir, "bin/busybox"));
  chmodSync(join(dir, "bin/busybox"), 0o755);
  const { stdout } = await execa(BUSYBOX, ["--list"]);
  for (const applet of stdout.split("\n").map((s) => s.trim())) {
    if (applet && applet !== "busybox") symlinkSync("busybox", join(dir, "bin", applet));
  }
  writeFileSync(join(dir, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  writeFileSync(join(dir, "etc/group"), "root:x:0:\nnobody:x:65534:\n");
  writeFileSync(join(dir, "etc/skiff-test-version"), `${version}\n`);
  writeFileSync(join(dir, "www/index.html"), `skiff test image ${version}\n`);
}

/**
 * A plain root filesystem tar of the test image (no image metadata): import it
 * with a name, e.g. `podman import FILE localhost/x:1`.
 */
export async function testRootfsTar(version: TestImageVersion): Promise<string> {
  const dir = cacheDir();
  const out = join(dir, `rootfs-${version}.tar`);
  if (existsSync(out)) return out;
  const rootfs = join(dir, `rootfs-${version}.${process.pid}`);
  await buildRootfs(rootfs, version);
  await tarDir(rootfs, out);
  rmSync(rootfs, { recursive: true, force: true });
  return out;
}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/**
 * A docker-archive (what `podman save` / `docker save` write) that carries its
 * own name and a default command, so `skiff images import FILE.tar` (or
 * `podman load`) needs nothing else.
 */
export function testImageArchive(version: TestImageVersion): Promise<string> {
  return imageArchive(version, testImageRef(version), ["sh"], `busybox-${version}.docker.tar`);
}

export const HTTPD_IMAGE = "localhost/skiff-test/httpd:1";

/** The version-1 test image named HTTPD_IMAGE, serving /www on port 80 by default: for charts that set no command. */
export function httpdImageArchive(): Promise<string> {
  return imageArchive(1, HTTPD_IMAGE, ["httpd", "-f", "-p", "80", "-h", "/www"], "httpd-1.docker.tar");
}

async function imageArchive(version: TestImageVersion, ref: string, cmd: string[], file: string): Promise<string> {
  const dir = cacheDir();
  const out = join(dir, file);
  if (existsSync(out)) return out;
  const layerTar = await testRootfsTar(version);
  const layer = readFileSync(layerTar);
  const diffId = sha256(layer);
  const config = JSON.stringify({
    architecture: process.arch === "arm64" ? "arm64" : "amd64",
    os: "linux",
    created: "1970-01-01T00:00:00Z",
    config: { Cmd: cmd, Env: ["PATH=/bin"], WorkingDir: "/" },
    rootfs: { type: "layers", diff_ids: [`sha256:${diffId}`] },
    history: [{ created: "1970-01-01T00:00:00Z", created_by: "skiff test image" }],
  });
  const configId = sha256(config);
  const stage = join(dir, `${file}.${process.pid}.stage`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, diffId), { recursive: true });
  copyFileSync(layerTar, join(stage, diffId, "layer.tar"));
  writeFileSync(join(stage, `${configId}.json`), config);
  writeFileSync(
    join(stage, "manifest.json"),
    JSON.stringify([{ Config: `${configId}.json`, RepoTags: [ref], Layers: [`${diffId}/layer.tar`] }]),
  );
  await tarDir(stage, out);
  rmSync(stage, { recursive: true, force: true });
  return out;
}

/** Loads both test images into the driver's storage unless already there. */
export async function ensureTestImages(driver: RuntimeDriver): Promise<{ v1: string; v2: string }> {
  for (const version of [1, 2] as const) {
    if (!(await driver.imageExists(testImageRef(version)))) {
      await driver.importImage(await testImageArchive(version));
    }
  }
  return { v1: TEST_IMAGE_1, v2: TEST_IMAGE_2 };
}
