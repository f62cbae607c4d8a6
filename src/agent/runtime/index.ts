// The runtime package as the agent sees it: the driver contract, its errors
// and labels, and the podman driver's constructor.
export type * from "./types.ts";
export { RuntimeError, type RuntimeErrorCode } from "./errors.ts";
export * from "./labels.ts";
export { createPodmanDriver, type PodmanDriverOptions } from "./podman-config.ts";
export type { PodmanDriver } from "./podman-driver.ts";
