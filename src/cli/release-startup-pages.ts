// Starting skiff runs much code that never runs again (store migration, certificate
// checks, route tables, the first sync of every controller), and the kernel keeps every
// page of the executable it read for that mapped into the process, 64 KiB around each one
// touched. Once a command serves, this hands those read-only pages back with
// madvise(MADV_PAGEOUT): pages of code that still runs come back on their next use, the
// rest stop counting against the device's memory. Never writable mappings, so no data can
// be lost; MADV_PAGEOUT itself never discards a page that differs from its file.
import { readFileSync } from "node:fs";

const MADV_PAGEOUT = 21; // Linux ≥ 5.4

export type FileMapping = { start: number; length: number; path: string };

/** Read-only mappings, in /proc/PID/maps text, of skiff's executable and of the native addons Bun extracted for it. */
export function releasableMappings(maps: string, executable: string): FileMapping[] {
  const found: FileMapping[] = [];
  for (const line of maps.split("\n")) {
    const [range, perms, , , , path] = line.trim().split(/\s+/);
    if (!range || !perms || !path || perms.includes("w") || !perms.startsWith("r")) continue;
    if (path !== executable && !/\/\.bun-[^/]*\.node$/.test(path)) continue;
    const [start, end] = range.split("-").map((hex) => parseInt(hex, 16)) as [number, number];
    found.push({ start, length: end - start, path });
  }
  return found;
}

type Madvise = (address: number, length: number, advice: number) => number;

function loadMadvise(): Madvise | undefined {
  try {
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const libc = dlopen("libc.so.6", { madvise: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
    return (address, length, advice) => libc.symbols.madvise(address as never, length, advice) as number;
  } catch {
    return undefined; // not glibc: nothing is released, nothing else changes
  }
}

/** Releases the startup pages of a compiled skiff. A no-op under `bun src/main.ts`. */
export function releaseStartupPages(): void {
  // Compiled executables load their modules from Bun's embedded file system, /$bunfs.
  if (process.platform !== "linux" || !import.meta.path.startsWith("/$bunfs/")) return;
  const mappings = releasableMappings(readFileSync("/proc/self/maps", "utf8"), process.execPath);
  const madvise = mappings.length ? loadMadvise() : undefined;
  // A kernel older than 5.4 refuses the advice: the pages simply stay.
  for (const m of mappings) madvise?.(m.start, m.length, MADV_PAGEOUT);
}
