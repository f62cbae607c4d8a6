// Key material on disk: owner-only files written atomically, so a crash mid-write never
// leaves a half key that a restart would trust.
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

export function readBytesIfExists(path: string): Uint8Array<ArrayBuffer> | undefined {
  return existsSync(path) ? Uint8Array.from(readFileSync(path)) : undefined;
}

/** Writes `data` to `path` with mode 0600, creating parent folders with mode 0700. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    // The mode option is masked by umask and ignored for an existing file; make it exact.
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (e) {
    // A full disk leaves no half-written temporary file behind.
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Like writePrivateFile, but leaves a file already holding `data` alone (a full disk then does not matter); true when it wrote. */
export function writePrivateFileIfChanged(path: string, data: string): boolean {
  if (readIfExists(path) === data) return false;
  writePrivateFile(path, data);
  return true;
}

/**
 * Creates `path` (0600) holding `data` unless it already exists, and returns what the file
 * holds afterwards: when two processes race, both end up with the first one's content
 * instead of each keeping its own (a key that silently lost the race would be fatal).
 */
export function createPrivateFileOnce(path: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(tmp);
  }
  return Uint8Array.from(readFileSync(path));
}
