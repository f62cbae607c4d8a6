// The one place a runtime driver is chosen and made: `--runtime podman|containerd|auto`.
// auto picks podman when it is installed (what skiff has always run), and containerd when
// only containerd is (many edge devices ship containerd and no podman).
import { existsSync } from "node:fs";
import { bridgeNameFor, DEFAULT_POD_SUBNET } from "../network/pod-bridge.ts";
import { CONTAINERD_INSTALL_HINT, ContainerdDaemon, containerdAnswers, containerdPaths } from "./containerd-daemon.ts";
import { classifyCtrStderr, CONTAINERD_NAMESPACE, ContainerdDriver, ctrMessage } from "./containerd-driver.ts";
import { writeCriLogger } from "./containerd-logs.ts";
import { runcWrapperPaths, writeRuncWrapper } from "./containerd-runc-wrapper.ts";
import { PODMAN_INSTALL_HINT, RuntimeError } from "./errors.ts";
import { detectHost } from "./host-detect.ts";
import { PodmanCli } from "./podman-cli.ts";
import { createPodmanDriver } from "./podman-config.ts";
import { join } from "node:path";
import type { RuntimeDriver } from "./types.ts";

export const RUNTIME_NAMES = ["podman", "containerd", "auto"] as const;
export type RuntimeChoice = (typeof RUNTIME_NAMES)[number];
export type RuntimeName = Exclude<RuntimeChoice, "auto">;

export function parseRuntimeChoice(value: string | undefined): RuntimeChoice {
  const v = value ?? "auto";
  if (!(RUNTIME_NAMES as readonly string[]).includes(v)) throw new Error(`unsupported --runtime ${v}: one of ${RUNTIME_NAMES.join(", ")}`);
  return v as RuntimeChoice;
}

export interface RuntimeDriverOptions {
  runtime: RuntimeChoice;
  dataDir: string;
  nodeName: string;
  subnet?: string;
  /** Prepended to every runtime and network command, e.g. ["nsenter", "--net=/run/netns/x"]. */
  commandPrefix?: string[];
  /** A containerd socket to use instead of starting one (k3s's --container-runtime-endpoint). */
  containerRuntimeEndpoint?: string;
  log?: (line: string) => void;
  /** For tests: where the binaries are looked up. */
  which?: (bin: string) => string | null;
}

const which = (bin: string) => Bun.which(bin) ?? Bun.which(bin, { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" });

/** auto: podman if installed, else containerd (an endpoint given, or containerd and ctr installed). */
export function resolveRuntime(choice: RuntimeChoice, opts: { endpoint?: string; which?: (bin: string) => string | null } = {}): RuntimeName {
  if (choice !== "auto") return choice;
  const find = opts.which ?? which;
  if (find("podman")) return "podman";
  if (find("ctr") && (opts.endpoint || find("containerd"))) return "containerd";
  throw new RuntimeError("RuntimeMissing", `no container runtime found: ${PODMAN_INSTALL_HINT} (or: ${CONTAINERD_INSTALL_HINT})`);
}

export async function createRuntimeDriver(opts: RuntimeDriverOptions): Promise<RuntimeDriver> {
  const name = resolveRuntime(opts.runtime, { endpoint: opts.containerRuntimeEndpoint, which: opts.which });
  if (name === "podman") return createPodmanDriver({ dataDir: opts.dataDir, nodeName: opts.nodeName, subnet: opts.subnet, commandPrefix: opts.commandPrefix });
  return createContainerdDriver(opts);
}

export async function createContainerdDriver(opts: Omit<RuntimeDriverOptions, "runtime">): Promise<ContainerdDriver> {
  const find = opts.which ?? which;
  const ctr = find("ctr");
  const containerd = find("containerd");
  if (!ctr || (!containerd && !opts.containerRuntimeEndpoint)) throw new RuntimeError("RuntimeMissing", `containerd not found: ${CONTAINERD_INSTALL_HINT}`);
  const host = detectHost();
  if (!host.ociRuntimes.includes("runc")) throw new RuntimeError("RuntimeMissing", `runc not found: ${CONTAINERD_INSTALL_HINT}`);
  const paths = containerdPaths(opts.dataDir);
  let socket = paths.socket;
  let shutdown: (() => Promise<void>) | undefined;
  if (opts.containerRuntimeEndpoint) {
    socket = opts.containerRuntimeEndpoint.replace(/^unix:\/\//, "");
    if (!(await containerdAnswers(ctr, socket))) throw new RuntimeError("RuntimeMissing", `no containerd answers on ${socket}`);
  } else {
    const daemon = new ContainerdDaemon(paths, { containerd: containerd!, ctr }, opts.log);
    await daemon.start();
    shutdown = () => daemon.stop();
  }
  const loggerPath = join(paths.meta, "cri-logger.sh");
  try {
    if (!existsSync(paths.meta)) throw new RuntimeError("Failed", `cannot make ${paths.meta}`);
    writeCriLogger(loggerPath);
    writeRuncWrapper(runcWrapperPaths(paths.meta).wrapper);
  } catch (e) {
    // A failed start stops the containerd it started.
    await shutdown?.();
    throw e;
  }
  const cli = new PodmanCli({ podmanPath: ctr, env: {}, baseArgs: ["--address", socket, "--namespace", CONTAINERD_NAMESPACE], commandPrefix: opts.commandPrefix, tool: "ctr", classify: classifyCtrStderr, message: ctrMessage });
  return new ContainerdDriver(cli, {
    nodeName: opts.nodeName,
    bridge: bridgeNameFor(opts.nodeName, opts.dataDir),
    subnet: opts.subnet ?? DEFAULT_POD_SUBNET,
    paths,
    loggerPath,
    runcWrapperPath: runcWrapperPaths(paths.meta).wrapper,
    cgroupMode: host.cgroupMode,
    commandPrefix: opts.commandPrefix,
    shutdown,
  });
}
