// Errors worded as Helm words them, so scripts written for helm read skiff the same way.
export class ReleaseNotFoundError extends Error {
  constructor() { super("release: not found"); }
}

/** A failure of one lifecycle step; the CLI prefixes it as helm does ("INSTALLATION FAILED: ..."). */
export class ReleaseActionError extends Error {}
