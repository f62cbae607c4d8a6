// What a long-running command does once it is serving. The executable starts with the JIT
// reluctant to compile (scripts/build.ts bakes in a JIT policy above 1), so that code run
// once at startup stays in the interpreter and takes no JIT memory; from here on the
// normal policy lets the request paths that run often be compiled. A full collection then
// returns what startup allocated and no longer holds. The pages of the executable that
// only starting needed are handed back a little later (release-startup-pages.ts): the
// kernel takes some milliseconds over it, which the first requests should not wait for.
import { releaseStartupPages } from "./release-startup-pages.ts";

const RELEASE_DELAY_MS = 2000;

export function settleAfterStartup(): void {
  Bun.unsafe.setJITPolicy(1);
  Bun.gc(true);
  setTimeout(releaseStartupPages, RELEASE_DELAY_MS).unref();
}
