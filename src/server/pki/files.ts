// Key material on disk: owner-only files written atomically, so a crash mid-write never
// leaves a half key that a restart would trust.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

export function readBytesIfExists(path: string): Uint8Array | undefined {
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

/** Writes `data` to `path` with mode 0600, creating parent folders with mode 0700. */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  // The mode option is masked by umask and ignored for an existing file; make it exact.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
