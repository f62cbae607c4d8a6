// RuntimeDriver over the podman CLI: a Kubernetes pod is a podman pod (its
// infra container holds the shared network namespace), each Kubernetes
// container a podman container in it. State lives only in podman, found again
// by skiff's labels, so a restarted agent adopts what is already running.
import type { HostFacts } from "./host-detect.ts";
import { classifyPodmanStderr, podmanMessage, RuntimeError } from "./errors.ts";
import { openExecSession } from "./podman-exec.ts";
import { openAttachSession } from "./podman-attach.ts";
import type { PodmanCli } from "./podman-cli.ts";
import type { PodmanPaths } from "./podman-config.ts";
import { openLogStream } from "./podman-logs.ts";
import { openEventStream } from "./podman-events.ts";
import {
  LABEL_CONTAINER_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_NODE,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  labelArgs,
  labelFilterArgs,
} from "./labels.ts";
import {
  parseInspectAnswer,
  parseLoadedImages,
  parseStatsLines,
  toContainerInfo,
  toSandboxInfo,
  type PodmanInspect,
  type PodmanPodPs,
} from "./podman-parse.ts";
import { containerCreateArgs } from "./podman-create-args.ts";
import { readCgroupStats } from "./podman-cgroup-stats.ts";
import { PodIpAllocator } from "./pod-ip-allocator.ts";
import type {
  ContainerInfo,
  ContainerSpec,
  ContainerStats,
  EnsureSandboxOptions,
  AttachOptions,
  ExecOptions,
  ExecSession,
  LabelFilter,
  LogOptions,
  RuntimeDriver,
  RuntimeEvent,
  RuntimeEventStream,
  SandboxInfo,
  SandboxSpec,
} from "./types.ts";
import { execa } from "execa";

export interface PodmanDriverSettings {
  nodeName: string;
  networkName: string;
  bridge: string;
  subnet: string;
  paths: PodmanPaths;
  host: HostFacts;
}

export class PodmanDriver implements RuntimeDriver {
  readonly name = "podman";
  readonly capabilities;
  /** Pod IPs are chosen here and given to `pod create --ip`, so a started pod's address is known without asking podman. */
  private readonly addresses: PodIpAllocator;
  /**
   * The podman pod IDs of each Kubernetes pod, as made or seen listed: removing a pod then
   * takes one call instead of a listing, an inspect and the removal.
   */
  private readonly sandboxIds = new Map<string, Set<string>>();

  constructor(
    readonly cli: PodmanCli,
    readonly settings: PodmanDriverSettings,
  ) {
    this.addresses = new PodIpAllocator(settings.subnet);
    // conmon sees OOM kills through cgroup v2's memory.events only: on hybrid and v1 hosts
    // podman 4.3 reports an OOM-killed container as a plain exit 137.
    this.capabilities = { attach: true, sharedPidNamespace: true, runAsUser: true, pull: false, oomKilled: settings.host.cgroupMode === "v2" };
  }

  close(): void {
    this.cli.close();
  }

  get bridge(): string {
    return this.settings.bridge;
  }

  async removeAll(): Promise<void> {
    for (const sb of await this.listSandboxes()) await this.removeSandbox(sb.podUid);
    // Anything left (containers outside a sandbox, stopped pods), then the node's network.
    await this.cli.run(["rm", "--all", "--force", "--time", "0"]).catch(() => {});
    await this.cli.run(["pod", "rm", "--all", "--force"]).catch(() => {});
    await this.cli.run(["network", "rm", "--force", this.settings.networkName]).catch(() => {});
  }

  async version(): Promise<string> {
    const { stdout } = await this.cli.run(["version", "--format", "{{.Client.Version}}"]);
    return `podman://${stdout.trim()}`;
  }

  /** Only what this node made: every query is scoped by the node label. */
  private scoped(filter: LabelFilter = {}): LabelFilter {
    return { ...filter, [LABEL_NODE]: this.settings.nodeName };
  }

  async ensureSandbox(spec: SandboxSpec, opts: EnsureSandboxOptions = {}): Promise<SandboxInfo> {
    const start = opts.start ?? true;
    const existing = opts.known ?? (await this.listSandboxes({ [LABEL_POD_UID]: spec.podUid }));
    const ready = existing.find((s) => s.state === "ready");
    if (ready) return ready;
    const created = existing.find((s) => s.state === "created");
    if (created) return start ? this.startSandbox(created) : created;
    // A sandbox whose infra died (e.g. after a host reboot) lost its network
    // namespace; Kubernetes semantics are to replace it, not revive it.
    for (const s of existing) {
      await this.cli.run(["pod", "rm", "--force", "--ignore", "--time", "0", s.id]);
      this.sandboxIds.get(spec.podUid)?.delete(s.id);
    }

    const labels = {
      ...(spec.labels ?? {}),
      [LABEL_POD_UID]: spec.podUid,
      [LABEL_POD_NAME]: spec.podName,
      [LABEL_POD_NAMESPACE]: spec.namespace,
      [LABEL_NODE]: this.settings.nodeName,
    };
    const podName = sandboxName(spec);
    // A named infra container can be inspected without asking for the pod's listing first.
    const infraName = `${podName}_infra`;
    const ip = this.addresses.assign(spec.podUid, opts.addressesInUse ?? []);
    const { stdout } = await this.cli.run([
      "pod",
      "create",
      "--name",
      podName,
      "--infra-name",
      infraName,
      "--hostname",
      spec.hostname ?? spec.podName,
      "--network",
      this.settings.networkName,
      "--ip",
      ip,
      ...(spec.dns ? [...spec.dns.nameservers.flatMap((n) => ["--dns", n]), ...spec.dns.searches.flatMap((s) => ["--dns-search", s]), ...spec.dns.options.flatMap((o) => ["--dns-option", o])] : []),
      ...labelArgs(labels),
    ]).catch((e: unknown) => {
      // A pod deleted after a failed create never reaches removeSandbox: its address is free now.
      this.addresses.release(spec.podUid);
      throw e;
    });
    this.rememberSandbox(spec.podUid, stdout.trim());
    const made: SandboxInfo = { id: stdout.trim(), podUid: spec.podUid, podName: spec.podName, namespace: spec.namespace, state: "created", infraId: infraName, labels };
    return start ? this.startSandbox(made) : made;
  }

  private async startSandbox(sandbox: SandboxInfo): Promise<SandboxInfo> {
    await this.cli.run(["pod", "start", sandbox.id]);
    const [infra] = sandbox.infraId ? await this.inspectContainers([sandbox.infraId]) : [];
    const ready = this.withInfra(sandbox, infra);
    if (ready.state !== "ready") throw new RuntimeError("Failed", `sandbox ${sandbox.podName} did not become ready`);
    return ready;
  }

  /** The sandbox as its infra container shows it (state and address). */
  private withInfra(sandbox: SandboxInfo, infra: PodmanInspect | undefined): SandboxInfo {
    const fresh = toSandboxInfo({ Id: sandbox.id, InfraId: infra?.Id ?? sandbox.infraId, Labels: sandbox.labels }, infra, this.settings.networkName);
    return { ...fresh, podName: sandbox.podName, namespace: sandbox.namespace, createdAt: sandbox.createdAt };
  }

  async removeSandbox(podUid: string): Promise<void> {
    await this.stopAndRemoveSandbox(podUid, 0);
  }

  /** One `pod rm --time GRACE`: podman stops the pod's containers at once (SIGTERM, SIGKILL after the grace), then removes them. */
  async stopAndRemoveSandbox(podUid: string, graceSeconds: number): Promise<void> {
    const grace = Math.max(0, Math.floor(graceSeconds));
    const known = this.sandboxIds.get(podUid);
    const ids = known?.size ? [...known] : (await this.listSandboxes({ [LABEL_POD_UID]: podUid })).map((p) => p.id);
    if (ids.length) await this.cli.run(["pod", "rm", "--force", "--ignore", "--time", String(grace), ...ids], { timeoutMs: (grace + 60) * 1000 });
    this.sandboxIds.delete(podUid);
    this.addresses.release(podUid);
  }

  private rememberSandbox(podUid: string, id: string) {
    let ids = this.sandboxIds.get(podUid);
    if (!ids) this.sandboxIds.set(podUid, (ids = new Set()));
    ids.add(id);
  }

  async listSandboxes(filter?: LabelFilter): Promise<SandboxInfo[]> {
    const knownBefore = [...this.sandboxIds.keys()];
    const pods = await this.cli.json<PodmanPodPs[]>(["pod", "ps", "--format", "json", ...labelFilterArgs(this.scoped(filter))]);
    // A listing of the whole node tells which pods known before it began are gone.
    if (!filter?.[LABEL_POD_UID]) for (const uid of knownBefore) if (!pods.some((p) => p.Labels?.[LABEL_POD_UID] === uid)) this.sandboxIds.delete(uid);
    if (pods.length === 0) return [];
    const infraIds = pods.map((p) => p.InfraId).filter((x): x is string => !!x);
    const infras = await this.inspectContainers(infraIds);
    const byId = new Map(infras.map((c) => [c.Id, c]));
    const found = pods.map((p) => toSandboxInfo(p, p.InfraId ? byId.get(p.InfraId) : undefined, this.settings.networkName));
    for (const sb of found) this.rememberSandbox(sb.podUid, sb.id);
    return found;
  }

  private containerLabels(sandbox: SandboxInfo, spec: ContainerSpec): Record<string, string> {
    return {
      ...(spec.labels ?? {}),
      [LABEL_POD_UID]: sandbox.podUid,
      [LABEL_POD_NAME]: sandbox.podName,
      [LABEL_POD_NAMESPACE]: sandbox.namespace,
      [LABEL_CONTAINER_NAME]: spec.name,
      [LABEL_CONTAINER_ATTEMPT]: String(spec.attempt ?? 0),
      [LABEL_NODE]: this.settings.nodeName,
    };
  }

  async createContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<string> {
    const { stdout } = await this.cli.run(containerCreateArgs(sandbox, spec, this.containerLabels(sandbox, spec)));
    return stdout.trim();
  }

  async startContainer(id: string): Promise<void> {
    await this.cli.run(["start", id]);
  }

  async runContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<{ container: ContainerInfo; sandbox: SandboxInfo }> {
    const labels = this.containerLabels(sandbox, spec);
    let stdout: string;
    try {
      ({ stdout } = await this.cli.run(containerCreateArgs(sandbox, spec, labels, true)));
    } catch (e) {
      if (e instanceof RuntimeError && e.code === "ImageNotFound") this.presentImages.delete(spec.image);
      // The address this agent chose is held by something it did not know of (a pod made
      // before a restart): drop the sandbox, the next pass makes one with another address.
      if (e instanceof RuntimeError && /requested ip address \S+ is already allocated/i.test(`${e.message}\n${e.stderr}`)) await this.removeSandbox(sandbox.podUid);
      throw e;
    }
    const id = stdout.trim().split("\n").pop()!;
    // `podman run --detach` returns once the container has started, and with it the
    // sandbox, at the address chosen for it: no inspect needed. A container that exits at
    // once is seen through the runtime's events, as any later exit is.
    const ip = sandbox.ip ?? (sandbox.state === "created" ? this.addresses.assignedTo(sandbox.podUid) : undefined);
    if (ip) {
      if (!this.presentImages.has(spec.image)) await this.imageExists(spec.image).catch(() => false);
      const now = new Date().toISOString();
      const container: ContainerInfo = {
        id,
        name: spec.name,
        podUid: sandbox.podUid,
        sandboxId: sandbox.id,
        state: "running",
        createdAt: now,
        startedAt: now,
        labels,
        image: spec.image,
        imageID: this.presentImages.get(spec.image) ?? "",
        attempt: spec.attempt ?? 0,
      };
      return { container, sandbox: { ...sandbox, state: "ready", ip } };
    }
    // A sandbox made before this agent started: its address is only known to podman.
    const infraRef = sandbox.infraId;
    const found = await this.inspectContainers(infraRef ? [id, infraRef] : [id]);
    const c = found.find((x) => x.Id === id);
    if (!c) throw new RuntimeError("NotFound", `container ${id} vanished right after it started`);
    const infra = found.find((x) => x.Id !== id);
    return { container: toContainerInfo(c), sandbox: infra ? this.withInfra(sandbox, infra) : sandbox };
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const grace = Math.max(0, Math.floor(graceSeconds));
    // podman waits `grace` seconds before SIGKILL; allow for that plus its own work.
    await this.cli.run(["stop", "--ignore", "--time", String(grace), id], { timeoutMs: (grace + 60) * 1000 });
  }

  async removeContainer(id: string): Promise<void> {
    await this.cli.run(["rm", "--force", "--ignore", "--time", "0", id]);
  }

  async listContainers(filter?: LabelFilter): Promise<ContainerInfo[]> {
    const { stdout } = await this.cli.run(["ps", "--all", "--quiet", "--no-trunc", ...labelFilterArgs(this.scoped(filter))]);
    const ids = stdout.split("\n").map((s) => s.trim()).filter(Boolean);
    const inspected = await this.inspectContainers(ids);
    return inspected.filter((c) => !c.IsInfra).map(toContainerInfo);
  }

  /**
   * Inspects several containers with one call; ones removed meanwhile are skipped. podman
   * prints those it found and names the missing ones on stderr (exit 125), so a listing
   * made while pods come and go costs one call, not one per container.
   */
  private async inspectContainers(ids: string[]): Promise<PodmanInspect[]> {
    if (ids.length === 0) return [];
    const { stdout, stderr, exitCode } = await this.cli.run(["container", "inspect", ...ids], { okExitCodes: [125] });
    const found = parseInspectAnswer(stdout, stderr, exitCode);
    if (found) return found;
    throw new RuntimeError(classifyPodmanStderr(stderr), podmanMessage(stderr) || `podman container inspect exited with ${exitCode}`, stderr, ["container", "inspect"], exitCode);
  }

  logs(id: string, opts: LogOptions = {}): ReadableStream<Uint8Array> {
    return openLogStream(this.cli, id, opts);
  }

  exec(id: string, cmd: string[], opts: ExecOptions = {}): ExecSession {
    return openExecSession(this.cli, id, cmd, opts);
  }

  attach(id: string, opts: AttachOptions = {}): ExecSession {
    return openAttachSession(this.cli, id, opts);
  }

  /**
   * From the containers' cgroup files; `podman stats` (one call for all) only for those not
   * found there. A container with no process left (exited) is not reported.
   */
  async stats(ids: string[]): Promise<ContainerStats[]> {
    if (ids.length === 0) return [];
    const { stats, unknown } = readCgroupStats(ids);
    return unknown.length ? [...stats, ...(await this.statsFromPodman(unknown))] : stats;
  }

  private async statsFromPodman(ids: string[]): Promise<ContainerStats[]> {
    const format = "{{.ContainerID}} {{.ContainerStats.CPUNano}} {{.ContainerStats.MemUsage}} {{.ContainerStats.PIDs}}";
    const statsOf = async (list: string[]) => parseStatsLines((await this.cli.run(["stats", "--no-stream", "--format", format, ...list])).stdout);
    try {
      return await statsOf(ids);
    } catch {
      // One of them is gone: ask again for those still running.
      const running = (await this.inspectContainers(ids)).filter((c) => c.State?.Status === "running").map((c) => c.Id);
      return running.length ? statsOf(running) : [];
    }
  }

  watchEvents(onEvent: (e: RuntimeEvent) => void): RuntimeEventStream {
    return openEventStream(this.cli, this.settings.nodeName, onEvent);
  }

  /** Images seen present, with their IDs: skiff never removes images, and a run that misses one forgets it. */
  private readonly presentImages = new Map<string, string>();

  /** Image lookups under way: a burst of pods of one image asks podman once. */
  private readonly imageLookups = new Map<string, Promise<boolean>>();

  imageExists(ref: string): Promise<boolean> {
    if (this.presentImages.has(ref)) return Promise.resolve(true);
    let lookup = this.imageLookups.get(ref);
    if (!lookup) {
      lookup = this.lookUpImage(ref).finally(() => this.imageLookups.delete(ref));
      this.imageLookups.set(ref, lookup);
    }
    return lookup;
  }

  private async lookUpImage(ref: string): Promise<boolean> {
    try {
      const { stdout } = await this.cli.run(["image", "inspect", "--format", "{{.Id}}", ref]);
      this.presentImages.set(ref, `sha256:${stdout.trim().replace(/^sha256:/, "")}`);
      return true;
    } catch (e) {
      if (e instanceof RuntimeError && e.code === "ImageNotFound") return false;
      throw e;
    }
  }

  async importImage(tarPath: string, reference?: string): Promise<string[]> {
    if (await isImageArchive(tarPath)) {
      const { stdout } = await this.cli.run(["load", "--input", tarPath], { timeoutMs: 600_000 });
      return parseLoadedImages(stdout);
    }
    if (!reference) {
      throw new RuntimeError("Failed", `${tarPath} is a plain filesystem tar: an image name is needed to import it`);
    }
    await this.cli.run(["import", "--quiet", tarPath, reference], { timeoutMs: 600_000 });
    return [reference];
  }
}

/** Podman names must be unique; the uid prefix keeps a recreated pod apart from its predecessor. */
export function sandboxName(spec: SandboxSpec): string {
  return `${spec.namespace}_${spec.podName}_${spec.podUid.slice(0, 8)}`;
}

/** docker-archive and oci-archive tars carry a manifest; a rootfs tar does not. */
async function isImageArchive(tarPath: string): Promise<boolean> {
  const r = await execa("tar", ["-tf", tarPath], { reject: false, timeout: 60_000 });
  if (r.exitCode !== 0) throw new RuntimeError("Failed", `cannot read ${tarPath}: ${r.stderr.trim()}`, r.stderr);
  return r.stdout
    .split("\n")
    .map((l) => l.replace(/^\.\//, ""))
    .some((l) => l === "manifest.json" || l === "oci-layout" || l === "index.json");
}
