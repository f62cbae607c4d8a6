// Labels every sandbox and container made by skiff carries, so a restarted
// agent finds and adopts its own workloads instead of recreating them.
export const LABEL_POD_UID = "io.skiff.pod.uid";
export const LABEL_POD_NAME = "io.skiff.pod.name";
export const LABEL_POD_NAMESPACE = "io.skiff.pod.namespace";
export const LABEL_CONTAINER_NAME = "io.skiff.container.name";
export const LABEL_CONTAINER_ATTEMPT = "io.skiff.container.attempt";
export const LABEL_NODE = "io.skiff.node";

/** `--label k=v` pairs for podman create commands. */
export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
}

/** `--filter label=k=v` pairs; podman ANDs several label filters. */
export function labelFilterArgs(filter: Record<string, string>): string[] {
  return Object.entries(filter).flatMap(([k, v]) => ["--filter", `label=${k}=${v}`]);
}
