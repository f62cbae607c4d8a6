// Configures podman for this host and gives each skiff data directory its own
// podman world: storage, run state, locks, events and networks all live under
// DIR/agent/podman, so two agents on one host never share containers, images,
// networks or bridge names.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "smol-toml";
import { podmanNotFound, RuntimeError } from "./errors.ts";
import { detectHost, type HostFacts } from "./host-detect.ts";
import { PodmanCli } from "./podman-cli.ts";
import { PodmanDriver } from "./podman-driver.ts";
import { bridgeNameFor, DEFAULT_POD_SUBNET, firstHost, POD_MTU, safeName } from "../network/pod-bridge.ts";

export { bridgeNameFor, firstHost, safeName };

export interface PodmanDriverOptions {
  dataDir: string;
  nodeName: string;
  /** Defaults to `skiff-<node name>`. */
  networkName?: string;
  /** Pod subnet of this node; defaults to 10.88.0.0/16. */
  subnet?: string;
  /** Defaults to the podman found on PATH. */
  podmanPath?: string;
  /** Prepended to every podman command, e.g. ["nsenter", "--net=/run/netns/x"]. */
  commandPrefix?: string[];
  /** Per-call timeout for short podman commands. */
  timeoutMs?: number;
  /** Host facts; detected when omitted. */
  host?: HostFacts;
}

export interface PodmanPaths {
  root: string;
  containersConf: string;
  storageConf: string;
  graphRoot: string;
  runRoot: string;
  tmpDir: string;
  networkDir: string;
  eventsLog: string;
}

export function podmanPaths(dataDir: string): PodmanPaths {
  const root = join(dataDir, "agent", "podman");
  return {
    root,
    containersConf: join(root, "containers.conf"),
    storageConf: join(root, "storage.conf"),
    graphRoot: join(root, "storage"),
    runRoot: join(root, "run"),
    tmpDir: join(root, "tmp"),
    networkDir: join(root, "networks"),
    eventsLog: join(root, "events.log"),
  };
}

export function renderContainersConf(paths: PodmanPaths, host: HostFacts, runtime: string): string {
  return stringify({
    containers: {
      default_ulimits: host.ulimits,
      // Logs stay in files podman can tail, whatever the host's journald does.
      log_driver: "k8s-file",
    },
    engine: {
      runtime,
      cgroup_manager: host.cgroupManager,
      events_logger: "file",
      events_logfile_path: paths.eventsLog,
      tmp_dir: paths.tmpDir,
      // File locks under tmp_dir: the default shared-memory lock segment is
      // host-wide and would be shared (and reset) by every podman world.
      lock_type: "file",
    },
    network: {
      network_backend: "netavark",
      network_config_dir: paths.networkDir,
    },
  });
}

export function renderStorageConf(paths: PodmanPaths): string {
  return stringify({
    storage: { driver: "overlay", graphroot: paths.graphRoot, runroot: paths.runRoot },
  });
}

/** netavark's network file, written directly because podman 4.3 cannot name the bridge. */
export function renderNetworkFile(name: string, bridge: string, subnet: string, nodeName: string): string {
  const id = createHash("sha256").update(`skiff-network\0${name}\0${bridge}`).digest("hex");
  return JSON.stringify(
    {
      name,
      id,
      driver: "bridge",
      network_interface: bridge,
      created: new Date().toISOString(),
      subnets: [{ subnet, gateway: firstHost(subnet) }],
      ipv6_enabled: false,
      internal: false,
      dns_enabled: false,
      labels: { "io.skiff.node": nodeName },
      ipam_options: { driver: "host-local" },
      // Room for the VXLAN header when pod traffic crosses the overlay.
      options: { mtu: String(POD_MTU) },
    },
    null,
    2,
  );
}

/** Writes a file only when its content changes, so reruns leave podman's view alone. */
function writeIfChanged(path: string, content: string, same = (old: string) => old === content): void {
  if (existsSync(path) && same(readFileSync(path, "utf8"))) return;
  writeFileSync(path, content);
}

export async function createPodmanDriver(opts: PodmanDriverOptions): Promise<PodmanDriver> {
  const podmanPath = opts.podmanPath ?? Bun.which("podman");
  if (!podmanPath || !existsSync(podmanPath)) throw podmanNotFound();

  const host = opts.host ?? detectHost();
  if (!host.ociRuntime) {
    throw new RuntimeError(
      "RuntimeMissing",
      `no usable OCI runtime (cgroups ${host.cgroupMode}, found: ${host.ociRuntimes.join(", ") || "none"}): apt-get install -y runc`,
    );
  }
  const paths = podmanPaths(opts.dataDir);
  for (const dir of [paths.root, paths.graphRoot, paths.runRoot, paths.tmpDir, paths.networkDir]) {
    mkdirSync(dir, { recursive: true });
  }
  writeIfChanged(paths.containersConf, renderContainersConf(paths, host, host.ociRuntime));
  writeIfChanged(paths.storageConf, renderStorageConf(paths));

  const networkName = opts.networkName ?? `skiff-${safeName(opts.nodeName)}`;
  const bridge = bridgeNameFor(opts.nodeName, opts.dataDir);
  const subnet = opts.subnet ?? DEFAULT_POD_SUBNET;
  const netFile = join(paths.networkDir, `${networkName}.json`);
  // The creation time differs on every render; compare what matters.
  const fresh = renderNetworkFile(networkName, bridge, subnet, opts.nodeName);
  writeIfChanged(netFile, fresh, (old) => {
    try {
      const o = JSON.parse(old);
      return o.network_interface === bridge && o.subnets?.[0]?.subnet === subnet;
    } catch {
      return false;
    }
  });

  const cli = new PodmanCli({
    podmanPath,
    env: { CONTAINERS_CONF: paths.containersConf, CONTAINERS_STORAGE_CONF: paths.storageConf },
    cwd: paths.root,
    commandPrefix: opts.commandPrefix,
    defaultTimeoutMs: opts.timeoutMs,
  });
  return new PodmanDriver(cli, { nodeName: opts.nodeName, networkName, bridge, subnet, paths, host });
}
