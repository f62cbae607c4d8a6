// What a long-running command does once it is serving. The executable starts with the JIT
// reluctant to compile (scripts/build.ts bakes in a JIT policy above 1), so that code run
// once at startup stays in the interpreter and takes no JIT memory; from here on the
// normal policy lets the request paths that run often be compiled. A full collection then
// returns what startup allocated and no longer holds, and the pages of the executable that
// only starting needed are handed back (release-startup-pages.ts).
import { releaseStartupPages } from "./release-startup-pages.ts";

export function settleAfterStartup(): void {
  Bun.unsafe.setJITPolicy(1);
  Bun.gc(true);
  releaseStartupPages();
}
