// Maps a Kubernetes-shaped container spec onto `podman create` (or `run`) arguments.
import { labelArgs } from "./labels.ts";
import type { ContainerSpec, SandboxInfo } from "./types.ts";

/** Runtime name: unique per pod, container and restart attempt, readable in `podman ps`. */
export function containerRuntimeName(sandbox: SandboxInfo, spec: ContainerSpec): string {
  return `${sandbox.namespace}_${sandbox.podName}_${spec.name}_${sandbox.podUid.slice(0, 8)}_${spec.attempt ?? 0}`;
}

/** CPU shares as the kubelet computes them from a request (min 2, 1024 per core). */
export function cpuShares(millis: number): number {
  return Math.max(2, Math.floor((millis * 1024) / 1000));
}

/** `podman create`, or with `run` a `podman run --detach` that also starts it (and its pod). */
export function containerCreateArgs(sandbox: SandboxInfo, spec: ContainerSpec, labels: Record<string, string>, run = false): string[] {
  const args = [
    ...(run ? ["run", "--detach"] : ["create"]),
    "--pod",
    sandbox.id,
    "--name",
    containerRuntimeName(sandbox, spec),
    // Images are only ever local: a missing one is an error, never a pull.
    "--pull",
    "never",
    ...labelArgs(labels),
  ];
  for (const [k, v] of Object.entries(spec.env ?? {})) args.push("--env", `${k}=${v}`);
  if (spec.workingDir) args.push("--workdir", spec.workingDir);
  for (const m of spec.mounts ?? []) {
    args.push("--volume", `${m.hostPath}:${m.containerPath}${m.readOnly ? ":ro" : ""}`);
  }
  if (spec.memoryLimitBytes !== undefined && spec.memoryLimitBytes > 0) {
    args.push("--memory", `${Math.floor(spec.memoryLimitBytes)}b`);
  }
  if (spec.cpuLimitMillis !== undefined && spec.cpuLimitMillis > 0) {
    args.push("--cpus", (spec.cpuLimitMillis / 1000).toFixed(3));
  }
  if (spec.cpuRequestMillis !== undefined && spec.cpuRequestMillis > 0) {
    args.push("--cpu-shares", String(cpuShares(spec.cpuRequestMillis)));
  }
  if (spec.user) args.push("--user", spec.user);
  if (spec.tty) args.push("--tty");
  if (spec.stdin) args.push("--interactive");
  if (spec.pidNamespaceOf) args.push("--pid", `container:${spec.pidNamespaceOf}`);
  // Kubernetes `command` replaces the entrypoint (and with it the image's cmd);
  // `args` replaces the cmd.
  if (spec.command && spec.command.length > 0) args.push("--entrypoint", JSON.stringify(spec.command));
  args.push(spec.image, ...(spec.args ?? []));
  return args;
}
