// A full data disk. SQLite needs free space even to delete (WAL frames), so the store
// keeps a preallocated reserve file beside the database: released the first time the
// disk is full, it gives deletions room to free space through the API, and it is made
// again once the disk has room for it and more.
import { closeSync, openSync, statfsSync, statSync, unlinkSync, writeSync } from "node:fs";

/** A write refused because the data disk is full. */
export class StoreFullError extends Error {
  constructor(message = "the data disk is full: only deletions are accepted until space is freed") {
    super(message);
  }
}

/** SQLite's SQLITE_FULL, or the file system's ENOSPC. */
export function isDiskFull(e: unknown): boolean {
  if (e instanceof StoreFullError) return true;
  const err = e as { code?: unknown; message?: unknown } | undefined;
  if (err?.code === "SQLITE_FULL" || err?.code === "ENOSPC") return true;
  return typeof err?.message === "string" && /SQLITE_FULL|database or disk is full|ENOSPC|no space left/i.test(err.message);
}

const CHUNK = 1 << 20;

export class DiskReserve {
  constructor(
    readonly path: string,
    readonly bytes: number,
  ) {}

  /** Bytes free for this process on the reserve's file system. */
  freeBytes(): number {
    const s = statfsSync(this.path.slice(0, this.path.lastIndexOf("/")) || "/");
    return s.bavail * s.bsize;
  }

  held(): boolean {
    try {
      return statSync(this.path).size >= this.bytes;
    } catch {
      return false;
    }
  }

  /**
   * Make sure the reserve exists; true when it does. It is made only when the disk has
   * room for it and as much again, so making it never fills the disk by itself.
   */
  ensure(): boolean {
    if (this.held()) return true;
    if (this.freeBytes() < this.bytes * 2) return false;
    let fd: number | undefined;
    try {
      fd = openSync(this.path, "w", 0o600);
      // Written, not truncated to size: a sparse file would hold no blocks.
      const zeros = Buffer.alloc(Math.min(CHUNK, this.bytes));
      for (let done = 0; done < this.bytes; done += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, this.bytes - done));
      const opened = fd;
      fd = undefined;
      closeSync(opened);
      return true;
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      this.release();
      if (isDiskFull(e)) return false;
      throw e;
    }
  }

  /** Give the reserve's space back to the file system. */
  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}
