// Typed runtime failures. The agent maps `code` to pod status reasons and
// shows `stderr` (the runtime's own words) as the message.

export type RuntimeErrorCode =
  | "RuntimeMissing" // the runtime binary is not installed
  | "ImageNotFound" // the image is not in local storage
  | "NotFound" // no such container or pod
  | "NameInUse" // a container or pod with that name already exists
  | "Timeout" // the runtime did not answer in time
  | "Failed"; // anything else

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly stderr = "",
    readonly command: string[] = [],
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}

export const PODMAN_INSTALL_HINT = "apt-get install -y podman runc";

export function podmanNotFound(): RuntimeError {
  return new RuntimeError("RuntimeMissing", `podman not found: ${PODMAN_INSTALL_HINT}`);
}

/** Decides the error code from podman's stderr text. */
export function classifyPodmanStderr(stderr: string): RuntimeErrorCode {
  const s = stderr.toLowerCase();
  if (/image not known|no such image|image not found|manifest unknown|pull policy is "never"/.test(s)) {
    return "ImageNotFound";
  }
  if (/no such container|no such pod|no container with name or id|no pod with name or id|no such object/.test(s)) {
    return "NotFound";
  }
  if (/already in use|already exists/.test(s)) return "NameInUse";
  return "Failed";
}

/** Strips podman's "Error: " prefix and keeps the last meaningful line. */
export function podmanMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("time="));
  const last = lines.at(-1) ?? "";
  return last.replace(/^Error:\s*/, "");
}
