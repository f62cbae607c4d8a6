// RuntimeDriver over containerd's `ctr` (namespace k8s.io). containerd has no pods: a pod's
// sandbox is a network namespace made by the shared pod-bridge module (the same bridge,
// subnet and addresses podman's pods get), which each of its containers joins, and skiff
// keeps its own small record of sandboxes and containers under DATA/agent/containerd/skiff,
// so a restarted agent adopts what is running (containerd's shims keep the containers
// alive while the agent or containerd is down). Container output goes to CRI log files.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { RuntimeError, type RuntimeErrorCode } from "./errors.ts";
import { PodmanCli } from "./podman-cli.ts";
import { openPodmanSession } from "./podman-exec.ts";
import { PodIpAllocator } from "./pod-ip-allocator.ts";
import { cpuShares } from "./podman-create-args.ts";
import type { CgroupMode } from "./host-detect.ts";
import type { ContainerdPaths } from "./containerd-daemon.ts";
import { openCriLogStream } from "./containerd-logs.ts";
import { openContainerdAttach } from "./containerd-attach.ts";
import { numericUser, runcWrapperPaths, USER_ANNOTATION } from "./containerd-runc-wrapper.ts";
import { spawnTool } from "../network/spawn-tool.ts";
import { ociArchiveFromRootfs } from "./containerd-rootfs-image.ts";
import { addPodNetwork, podNetnsPath, removePodNetwork, safeName, type PodBridge } from "../network/pod-bridge.ts";
import { LABEL_CONTAINER_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from "./labels.ts";
import type {
  AttachOptions,
  ContainerInfo,
  ContainerSpec,
  ContainerStats,
  EnsureSandboxOptions,
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

export const CONTAINERD_NAMESPACE = "k8s.io";

export interface ContainerdDriverSettings {
  nodeName: string;
  bridge: string;
  subnet: string;
  paths: ContainerdPaths;
  /** The logging program containerd's shim runs per container. */
  loggerPath: string;
  /** Stands in for runc for containers with a user or a stdin (containerd-runc-wrapper.ts). */
  runcWrapperPath: string;
  cgroupMode: CgroupMode;
  commandPrefix?: string[];
  /** Stops the containerd this driver started, if it started one. */
  shutdown?: () => Promise<void>;
}

interface SandboxRecord {
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  labels: Record<string, string>;
  ip: string;
  createdAt: string;
}

interface ContainerRecord {
  id: string;
  name: string;
  podUid: string;
  sandboxId: string;
  labels: Record<string, string>;
  image: string;
  imageID: string;
  attempt: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** "uid:gid" the container runs as; exec runs as the same user. */
  user?: string;
  stdin?: boolean;
}

type TaskStatus = "RUNNING" | "STOPPED" | "CREATED" | "PAUSED" | "UNKNOWN";

export function classifyCtrStderr(stderr: string): RuntimeErrorCode {
  const s = stderr.toLowerCase();
  if (/image ".*": not found|failed to resolve reference|content digest .* not found/.test(s)) return "ImageNotFound";
  if (/already exists/.test(s)) return "NameInUse";
  if (/not found|no such/.test(s)) return "NotFound";
  return "Failed";
}

export function ctrMessage(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.at(-1) ?? "").replace(/^ctr:\s*/, "");
}

/** `ctr` names an image by its full reference: "busybox" is docker.io/library/busybox:latest. */
export function normalizeImageRef(ref: string): string {
  let r = ref;
  const first = r.split("/")[0]!;
  if (!r.includes("/") || !(first.includes(".") || first.includes(":") || first === "localhost")) r = `docker.io/${r.includes("/") ? r : `library/${r}`}`;
  if (!/@sha256:/.test(r) && !/:[^/]+$/.test(r)) r = `${r}:latest`;
  return r;
}

/** containerd IDs: letters and digits joined by single . _ or - */
export function containerdId(sb: { namespace: string; podName: string; podUid: string }, spec: { name: string; attempt?: number }): string {
  const part = (s: string) => safeName(s).replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return [part(sb.namespace), part(sb.podName), part(spec.name), sb.podUid.replace(/-/g, "").slice(0, 8), String(spec.attempt ?? 0)].join("_");
}

export class ContainerdDriver implements RuntimeDriver {
  readonly name = "containerd";
  readonly capabilities = { attach: true, sharedPidNamespace: true, runAsUser: true, pull: true, oomKilled: true };
  private readonly addresses: PodIpAllocator;
  private readonly net: PodBridge;
  private readonly sandboxDir: string;
  private readonly containerDir: string;
  private readonly ioDir: string;
  /** Container id → pod uid, kept for events about containers whose record is gone. */
  private readonly podOf = new Map<string, string>();
  private readonly entrypoints = new Map<string, string[]>();

  constructor(
    readonly cli: PodmanCli,
    readonly settings: ContainerdDriverSettings,
  ) {
    this.addresses = new PodIpAllocator(settings.subnet);
    this.net = { bridge: settings.bridge, subnet: settings.subnet, commandPrefix: settings.commandPrefix };
    this.sandboxDir = join(settings.paths.meta, "sandboxes");
    this.containerDir = join(settings.paths.meta, "containers");
    mkdirSync(this.sandboxDir, { recursive: true });
    this.ioDir = runcWrapperPaths(settings.paths.meta).io;
    mkdirSync(this.containerDir, { recursive: true });
    mkdirSync(this.ioDir, { recursive: true });
  }

  get bridge(): string {
    return this.settings.bridge;
  }

  close(): Promise<void> {
    this.cli.close();
    return this.settings.shutdown?.() ?? Promise.resolve();
  }

  async version(): Promise<string> {
    const { stdout } = await this.cli.run(["version"]);
    const server = stdout.split(/^Server:/m)[1] ?? stdout;
    const v = /Version:\s*v?(\S+)/.exec(server)?.[1] ?? "unknown";
    return `containerd://${v.replace(/[~+].*$/, "")}`;
  }

  // ---- records ---------------------------------------------------------------

  private readJson<T>(path: string): T | undefined {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as T;
    } catch {
      return undefined;
    }
  }

  private sandboxRecords(): SandboxRecord[] {
    return readdirSync(this.sandboxDir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => this.readJson<SandboxRecord>(join(this.sandboxDir, f)))
      .filter((r): r is SandboxRecord => !!r);
  }

  private containerRecords(): ContainerRecord[] {
    return readdirSync(this.containerDir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => this.readJson<ContainerRecord>(join(this.containerDir, f)))
      .filter((r): r is ContainerRecord => !!r);
  }

  private saveContainer(r: ContainerRecord): void {
    this.podOf.set(r.id, r.podUid);
    writeFileSync(join(this.containerDir, `${r.id}.json`), JSON.stringify(r));
  }

  private containerRecord(id: string): ContainerRecord | undefined {
    return this.readJson<ContainerRecord>(join(this.containerDir, `${id}.json`));
  }

  private podFiles(podUid: string): string {
    return join(this.sandboxDir, podUid);
  }

  // ---- sandboxes -------------------------------------------------------------

  /** Ready while its network namespace is there (gone after a reboot, say): no `ip` call per listing. */
  private async toSandboxInfo(r: SandboxRecord): Promise<SandboxInfo> {
    const ip = r.ip;
    const ready = existsSync(podNetnsPath(r.podUid));
    return { id: r.id, podUid: r.podUid, podName: r.podName, namespace: r.namespace, state: ready ? "ready" : "notready", ip: ready ? ip : undefined, labels: r.labels, createdAt: r.createdAt };
  }

  async ensureSandbox(spec: SandboxSpec, opts: EnsureSandboxOptions = {}): Promise<SandboxInfo> {
    const path = join(this.sandboxDir, `${spec.podUid}.json`);
    const existing = this.readJson<SandboxRecord>(path);
    if (existing) {
      const info = await this.toSandboxInfo(existing);
      if (info.state === "ready") return info;
      // A namespace lost (e.g. after a host reboot): Kubernetes replaces the sandbox.
      await this.removeSandbox(spec.podUid);
    }
    const labels = { ...(spec.labels ?? {}), [LABEL_POD_UID]: spec.podUid, [LABEL_POD_NAME]: spec.podName, [LABEL_POD_NAMESPACE]: spec.namespace, [LABEL_NODE]: this.settings.nodeName };
    const inUse = [...(opts.addressesInUse ?? []), ...this.sandboxRecords().map((r) => r.ip)];
    const ip = this.addresses.assign(spec.podUid, inUse);
    const hostname = spec.hostname ?? spec.podName;
    // The network and the hostname's namespace are made side by side.
    const made = await Promise.allSettled([addPodNetwork(this.net, spec.podUid, ip), this.makeUtsNamespace(spec.podUid, hostname)]);
    const failed = made.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await removePodNetwork(this.net, spec.podUid);
      await this.removeUtsNamespace(spec.podUid);
      this.addresses.release(spec.podUid);
      throw failed.reason;
    }
    const files = this.podFiles(spec.podUid);
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, "hostname"), `${hostname}\n`);
    writeFileSync(join(files, "hosts"), `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${ip}\t${hostname}\n`);
    const dns = spec.dns;
    const resolv = dns
      ? [...dns.nameservers.map((n) => `nameserver ${n}`), ...(dns.searches.length ? [`search ${dns.searches.join(" ")}`] : []), ...(dns.options.length ? [`options ${dns.options.join(" ")}`] : [])].join("\n") + "\n"
      : existsSync("/etc/resolv.conf")
        ? readFileSync("/etc/resolv.conf", "utf8")
        : "";
    writeFileSync(join(files, "resolv.conf"), resolv);
    const record: SandboxRecord = { id: `sandbox-${spec.podUid}`, podUid: spec.podUid, podName: spec.podName, namespace: spec.namespace, labels, ip, createdAt: new Date().toISOString() };
    writeFileSync(path, JSON.stringify(record));
    return { id: record.id, podUid: record.podUid, podName: record.podName, namespace: record.namespace, state: "ready", ip, labels, createdAt: record.createdAt };
  }

  /** The pod's hostname lives in a UTS namespace of its own, kept by a bind mount as `ip netns` keeps network ones. */
  private async makeUtsNamespace(podUid: string, hostname: string): Promise<void> {
    const path = utsPath(podUid);
    await this.removeUtsNamespace(podUid);
    writeFileSync(path, "");
    await spawnTool(undefined, ["unshare", `--uts=${path}`, "hostname", hostname]).catch((e: Error) => {
      rmSync(path, { force: true });
      throw new RuntimeError("Failed", `cannot make the pod's UTS namespace: ${e.message}`, e.message);
    });
  }

  private async removeUtsNamespace(podUid: string): Promise<void> {
    const path = utsPath(podUid);
    if (!existsSync(path)) return;
    await execa("umount", [path], { reject: false, timeout: 10_000 });
    rmSync(path, { force: true });
  }

  async removeSandbox(podUid: string): Promise<void> {
    for (const c of this.containerRecords().filter((r) => r.podUid === podUid)) await this.removeContainer(c.id);
    await removePodNetwork(this.net, podUid);
    await this.removeUtsNamespace(podUid);
    rmSync(join(this.sandboxDir, `${podUid}.json`), { force: true });
    rmSync(this.podFiles(podUid), { recursive: true, force: true });
    this.addresses.release(podUid);
  }

  async listSandboxes(filter: LabelFilter = {}): Promise<SandboxInfo[]> {
    const records = this.sandboxRecords().filter((r) => matches(r.labels, filter));
    return Promise.all(records.map((r) => this.toSandboxInfo(r)));
  }

  // ---- containers ------------------------------------------------------------

  /** The image's entrypoint, for Kubernetes `args` without `command`. */
  private async entrypoint(image: string): Promise<string[]> {
    const ref = normalizeImageRef(image);
    const known = this.entrypoints.get(ref);
    if (known) return known;
    const { stdout } = await this.cli.run(["images", "ls", `name==${ref}`]);
    const digest = /\s(sha256:[0-9a-f]{64})\s/.exec(stdout.split("\n")[1] ?? "")?.[1];
    if (!digest) throw new RuntimeError("ImageNotFound", `image ${image} not found`);
    let doc = JSON.parse((await this.cli.run(["content", "get", digest])).stdout);
    if (Array.isArray(doc.manifests)) {
      const arch = process.arch === "arm64" ? "arm64" : "amd64";
      const m = doc.manifests.find((x: { platform?: { architecture?: string } }) => x.platform?.architecture === arch) ?? doc.manifests[0];
      doc = JSON.parse((await this.cli.run(["content", "get", m.digest])).stdout);
    }
    const config = JSON.parse((await this.cli.run(["content", "get", doc.config.digest])).stdout);
    const ep: string[] = config.config?.Entrypoint ?? [];
    this.entrypoints.set(ref, ep);
    return ep;
  }

  private cgroupFile(id: string, controller: string, file: string): string {
    return this.settings.cgroupMode === "v2" ? `/sys/fs/cgroup/${CONTAINERD_NAMESPACE}/${id}/${file}` : `/sys/fs/cgroup/${controller}/${CONTAINERD_NAMESPACE}/${id}/${file}`;
  }

  private async runArgs(sandbox: SandboxInfo, spec: ContainerSpec, id: string, labels: Record<string, string>, user: string | undefined): Promise<string[]> {
    const args: string[] = [];
    for (const [k, v] of Object.entries(labels)) args.push("--label", `${k}=${v}`);
    if (user) args.push("--annotation", `${USER_ANNOTATION}=${user}`);
    if (user || pipedStdin(spec)) args.push("--runc-binary", this.settings.runcWrapperPath);
    args.push("--with-ns", `network:${podNetnsPath(sandbox.podUid)}`);
    if (spec.pidNamespaceOf) args.push("--with-ns", `pid:/proc/${await this.taskPid(spec.pidNamespaceOf)}/ns/pid`);
    if (existsSync(utsPath(sandbox.podUid))) args.push("--with-ns", `uts:${utsPath(sandbox.podUid)}`);
    const files = this.podFiles(sandbox.podUid);
    const bind = (src: string, dst: string, ro: boolean) => args.push("--mount", `type=bind,src=${src},dst=${dst},options=rbind:${ro ? "ro" : "rw"}`);
    const targets = new Set((spec.mounts ?? []).map((m) => m.containerPath));
    for (const f of ["hosts", "hostname", "resolv.conf"]) if (!targets.has(`/etc/${f}`)) bind(join(files, f), `/etc/${f}`, false);
    for (const m of spec.mounts ?? []) bind(m.hostPath, m.containerPath, !!m.readOnly);
    args.push("--env", `HOSTNAME=${sandbox.podName}`);
    for (const [k, v] of Object.entries(spec.env ?? {})) args.push("--env", `${k}=${v}`);
    if (spec.workingDir) args.push("--cwd", spec.workingDir);
    if (spec.memoryLimitBytes && spec.memoryLimitBytes > 0) args.push("--memory-limit", String(Math.floor(spec.memoryLimitBytes)));
    if (spec.cpuLimitMillis && spec.cpuLimitMillis > 0) args.push("--cpu-period", "100000", "--cpu-quota", String(Math.max(1000, Math.floor(spec.cpuLimitMillis * 100))));
    if (spec.cpuRequestMillis && spec.cpuRequestMillis > 0) args.push("--cpu-shares", String(cpuShares(spec.cpuRequestMillis)));
    // No --tty: see pipedStdin.
    let argv: string[] = [];
    if (spec.command?.length) argv = [...spec.command, ...(spec.args ?? [])];
    else if (spec.args?.length) argv = [...(await this.entrypoint(spec.image)), ...spec.args];
    args.push(normalizeImageRef(spec.image), id, ...argv);
    return args;
  }

  private logUri(): string {
    return `binary://${this.settings.loggerPath}?dir=${encodeURIComponent(this.settings.paths.logs)}&io=${encodeURIComponent(this.ioDir)}`;
  }

  private stdinFifos(id: string): { stdin: string; close: string } {
    return { stdin: join(this.ioDir, `${id}.stdin`), close: join(this.ioDir, `${id}.stdin-close`) };
  }

  /** The container's stdin (held open by its logging program) and the FIFO that lets go of it. */
  private async makeStdinFifos(id: string): Promise<void> {
    const f = this.stdinFifos(id);
    for (const p of [f.stdin, f.close]) rmSync(p, { force: true });
    await spawnTool(undefined, ["mkfifo", "-m", "600", f.stdin, f.close]).catch((e: Error) => {
      throw new RuntimeError("Failed", `cannot make the stdin of ${id}: ${e.message}`, e.message);
    });
  }

  private removeStdinFifos(id: string): void {
    const f = this.stdinFifos(id);
    for (const p of [f.stdin, f.close]) rmSync(p, { force: true });
  }

  /** The host PID of a running container's main process (for joining its namespaces). */
  private async taskPid(id: string): Promise<number> {
    const { stdout } = await this.cli.run(["tasks", "ls"]);
    for (const line of stdout.split("\n").slice(1)) {
      const [tid, pid, status] = line.trim().split(/\s+/);
      if (tid === id && status === "RUNNING" && Number(pid) > 0) return Number(pid);
    }
    throw new RuntimeError("NotFound", `container ${id} is not running: cannot share its process namespace`);
  }

  private labelsOf(sandbox: SandboxInfo, spec: ContainerSpec): Record<string, string> {
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

  private async prepare(sandbox: SandboxInfo, spec: ContainerSpec): Promise<{ id: string; record: ContainerRecord; args: string[] }> {
    const id = containerdId(sandbox, spec);
    const labels = this.labelsOf(sandbox, spec);
    if (!(await this.imageExists(spec.image))) throw new RuntimeError("ImageNotFound", `image ${spec.image} not found`);
    const user = spec.user ? numericUser(spec.user) : undefined;
    if (spec.user && !user) throw new RuntimeError("Failed", `user "${spec.user}" is not numeric: the containerd runtime takes runAsUser and runAsGroup as numbers`);
    const args = await this.runArgs(sandbox, spec, id, labels, user);
    // A leftover of the same name (an earlier try that failed half way) is replaced.
    if (this.containerRecord(id)) await this.removeContainer(id);
    rmSync(join(this.settings.paths.logs, `${id}.log`), { force: true });
    if (pipedStdin(spec)) await this.makeStdinFifos(id);
    const record: ContainerRecord = { id, name: spec.name, podUid: sandbox.podUid, sandboxId: sandbox.id, labels, image: spec.image, imageID: this.imageIds.get(normalizeImageRef(spec.image)) ?? "", attempt: spec.attempt ?? 0, createdAt: new Date().toISOString(), user, stdin: pipedStdin(spec) || undefined };
    return { id, record, args };
  }

  async createContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<string> {
    const { id, record, args } = await this.prepare(sandbox, spec);
    this.saveContainer(record);
    await this.cli.run(["containers", "create", ...args]).catch(async (e) => {
      rmSync(join(this.containerDir, `${id}.json`), { force: true });
      throw e;
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const r = this.containerRecord(id);
    if (!r) throw new RuntimeError("NotFound", `no such container ${id}`);
    await this.cli.run(["tasks", "start", "--detach", "--log-uri", this.logUri(), id]);
    this.saveContainer({ ...r, startedAt: new Date().toISOString() });
  }

  async runContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<{ container: ContainerInfo; sandbox: SandboxInfo }> {
    const { id, record, args } = await this.prepare(sandbox, spec);
    this.saveContainer(record);
    try {
      await this.cli.run(["run", "--detach", "--log-uri", this.logUri(), ...args]);
    } catch (e) {
      await this.removeContainer(id).catch(() => {});
      throw e;
    }
    const started = { ...record, startedAt: new Date().toISOString() };
    this.saveContainer(started);
    return { container: toInfo(started, "running"), sandbox };
  }

  private async tasks(): Promise<Map<string, TaskStatus>> {
    const { stdout } = await this.cli.run(["tasks", "ls"]);
    const out = new Map<string, TaskStatus>();
    for (const line of stdout.split("\n").slice(1)) {
      const [id, , status] = line.trim().split(/\s+/);
      if (id && status) out.set(id, status as TaskStatus);
    }
    return out;
  }

  /** A stopped task is deleted (freeing its shim) once its exit code and OOM kill are recorded. */
  private async reap(r: ContainerRecord): Promise<ContainerRecord> {
    let oom = r.oomKilled ?? false;
    const oomFile = this.settings.cgroupMode === "v2" ? this.cgroupFile(r.id, "", "memory.events") : this.cgroupFile(r.id, "memory", "memory.oom_control");
    try {
      oom ||= /^oom_kill [1-9]/m.test(readFileSync(oomFile, "utf8"));
    } catch {}
    const del = await this.cli.run(["tasks", "delete", r.id], { okExitCodes: [1] }).catch(() => ({ stderr: "", exitCode: 0 }));
    const code = Number(/exit code (\d+)/.exec(del.stderr)?.[1] ?? 0);
    const done: ContainerRecord = { ...r, exitCode: r.exitCode ?? code, oomKilled: oom, finishedAt: r.finishedAt ?? new Date().toISOString() };
    this.saveContainer(done);
    return done;
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const grace = Math.max(0, Math.floor(graceSeconds));
    const status = async () => (await this.tasks()).get(id);
    if ((await status()) === "RUNNING") {
      if (grace > 0) {
        await this.cli.run(["tasks", "kill", "--signal", "SIGTERM", id]).catch(() => {});
        const end = Date.now() + grace * 1000;
        while (Date.now() < end && (await status()) === "RUNNING") await Bun.sleep(100);
      }
      if ((await status()) === "RUNNING") {
        await this.cli.run(["tasks", "kill", "--all", "--signal", "SIGKILL", id]).catch(() => {});
        const end = Date.now() + 10_000;
        while (Date.now() < end && (await status()) === "RUNNING") await Bun.sleep(50);
      }
    }
    const r = this.containerRecord(id);
    if (r && (await status()) === "STOPPED") await this.reap(r);
  }

  async removeContainer(id: string): Promise<void> {
    const t = (await this.tasks()).get(id);
    if (t === "RUNNING" || t === "PAUSED") await this.cli.run(["tasks", "kill", "--all", "--signal", "SIGKILL", id]).catch(() => {});
    if (t) {
      const end = Date.now() + 10_000;
      for (;;) {
        const r = await this.cli.run(["tasks", "delete", "--force", id], { okExitCodes: [1] }).catch((e: RuntimeError) => ({ stderr: e.stderr, exitCode: 1 }));
        if (r.exitCode === 0 || /not found/i.test(r.stderr) || Date.now() > end) break;
        await Bun.sleep(50);
      }
    }
    await this.cli.run(["containers", "delete", id]).catch((e: unknown) => {
      if (!(e instanceof RuntimeError && e.code === "NotFound")) throw e;
    });
    rmSync(join(this.containerDir, `${id}.json`), { force: true });
    rmSync(join(this.settings.paths.logs, `${id}.log`), { force: true });
    this.removeStdinFifos(id);
  }

  async listContainers(filter: LabelFilter = {}): Promise<ContainerInfo[]> {
    const records = this.containerRecords().filter((r) => matches(r.labels, { ...filter }) && r.labels[LABEL_NODE] === this.settings.nodeName);
    if (records.length === 0) return [];
    const tasks = await this.tasks();
    const out: ContainerInfo[] = [];
    for (let r of records) {
      this.podOf.set(r.id, r.podUid);
      const t = tasks.get(r.id);
      if (t === "RUNNING" || t === "PAUSED") out.push(toInfo(r, "running"));
      else if (t === "STOPPED") out.push(toInfo((r = await this.reap(r)), "exited"));
      else if (r.exitCode !== undefined) out.push(toInfo(r, "exited"));
      else if (r.startedAt) out.push(toInfo({ ...r, exitCode: 255, finishedAt: r.startedAt }, "exited"));
      else out.push(toInfo(r, "created"));
    }
    return out;
  }

  logs(id: string, opts: LogOptions = {}): ReadableStream<Uint8Array> {
    const path = join(this.settings.paths.logs, `${id}.log`);
    if (!this.containerRecord(id)) {
      return new ReadableStream({ start: (c) => c.error(new RuntimeError("NotFound", `no such container ${id}`)) });
    }
    return openCriLogStream(path, opts, async () => (await this.tasks()).get(id) === "RUNNING");
  }

  exec(id: string, cmd: string[], opts: ExecOptions = {}): ExecSession {
    const execId = `exec-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    // As the container's own user (ctr's exec would run as root otherwise).
    const user = this.containerRecord(id)?.user;
    return openPodmanSession(this.cli, ["tasks", "exec", "--exec-id", execId, ...(user ? ["--user", user] : []), ...(opts.tty ? ["--tty"] : []), id, ...cmd], opts);
  }

  /** Output from the container's log as it is written, stdin into its FIFO (containerd-attach.ts). */
  attach(id: string, opts: AttachOptions = {}): ExecSession {
    const r = this.containerRecord(id);
    const fifos = this.stdinFifos(id);
    return openContainerdAttach(
      {
        logPath: join(this.settings.paths.logs, `${id}.log`),
        stdinFifo: r?.stdin ? fifos.stdin : undefined,
        stdinCloseFifo: r?.stdin ? fifos.close : undefined,
        running: async () => !!r && (await this.tasks()).get(id) === "RUNNING",
      },
      opts,
    );
  }

  /** Read from the containers' cgroups: no ctr call per container. */
  async stats(ids: string[]): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    const v2 = this.settings.cgroupMode === "v2";
    const stat = (text: string, key: string) => Number(new RegExp(`^${key} (\\d+)`, "m").exec(text)?.[1] ?? 0);
    for (const id of ids) {
      try {
        if (v2) {
          const cpu = stat(readFileSync(this.cgroupFile(id, "", "cpu.stat"), "utf8"), "usage_usec") / 1e6;
          const mem = Number(readFileSync(this.cgroupFile(id, "", "memory.current"), "utf8"));
          const inactive = stat(readFileSync(this.cgroupFile(id, "", "memory.stat"), "utf8"), "inactive_file");
          out.push({ id, cpuSeconds: cpu, memoryWorkingSetBytes: Math.max(0, mem - inactive) });
        } else {
          const cpu = Number(readFileSync(this.cgroupFile(id, "cpuacct", "cpuacct.usage"), "utf8")) / 1e9;
          const mem = Number(readFileSync(this.cgroupFile(id, "memory", "memory.usage_in_bytes"), "utf8"));
          const inactive = stat(readFileSync(this.cgroupFile(id, "memory", "memory.stat"), "utf8"), "total_inactive_file");
          out.push({ id, cpuSeconds: cpu, memoryWorkingSetBytes: Math.max(0, mem - inactive) });
        }
      } catch {
        // gone, or not running
      }
    }
    return out;
  }

  /** `ctr events` lines: "<time> <namespace> /tasks/exit {json}". */
  watchEvents(onEvent: (e: RuntimeEvent) => void): RuntimeEventStream {
    const proc = this.cli.spawn(["events"], "ignore", { dieWithParent: true });
    let rest = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const e = parseCtrEvent(line);
        if (!e) continue;
        const podUid = this.podOf.get(e.containerId) ?? this.containerRecord(e.containerId)?.podUid;
        if (!podUid) continue;
        if (e.type === "oomKilled") {
          const r = this.containerRecord(e.containerId);
          if (r) this.saveContainer({ ...r, oomKilled: true });
        }
        onEvent({ ...e, podUid });
      }
    });
    proc.stderr?.resume();
    return { ended: proc.then(() => undefined, () => undefined), stop: () => void proc.kill("SIGTERM") };
  }

  /** Image names seen present, with their digests. */
  private readonly imageIds = new Map<string, string>();

  async imageExists(ref: string): Promise<boolean> {
    const name = normalizeImageRef(ref);
    if (this.imageIds.has(name)) return true;
    const { stdout } = await this.cli.run(["images", "ls", `name==${name}`]);
    const digest = /\s(sha256:[0-9a-f]{64})\s/.exec(stdout.split("\n")[1] ?? "")?.[1];
    if (!digest) return false;
    this.imageIds.set(name, digest);
    return true;
  }

  /** Pulls an image from its registry (imagePullPolicy Always, or a missing IfNotPresent image). */
  async pullImage(ref: string): Promise<void> {
    // A registry that does not answer fails the pull in a minute: the pod reports ErrImagePull and tries again later.
    await this.cli.run(["images", "pull", normalizeImageRef(ref)], { timeoutMs: 60_000 });
    this.imageIds.delete(normalizeImageRef(ref));
  }

  async importImage(tarPath: string, reference?: string): Promise<string[]> {
    const tar = await execa("tar", ["-tf", tarPath], { reject: false, timeout: 60_000 });
    if (tar.exitCode !== 0) throw new RuntimeError("Failed", `cannot read ${tarPath}: ${tar.stderr.trim()}`, tar.stderr);
    const entries = tar.stdout.split("\n").map((l) => l.replace(/^\.\//, ""));
    if (!entries.some((l) => l === "manifest.json" || l === "index.json")) {
      if (!reference) throw new RuntimeError("Failed", `${tarPath} is a plain filesystem tar: an image name is needed to import it`);
      const wrapped = await ociArchiveFromRootfs(tarPath, normalizeImageRef(reference));
      try {
        return await this.importImage(wrapped.archive);
      } finally {
        wrapped.done();
      }
    }
    const { stdout } = await this.cli.run(["images", "import", tarPath], { timeoutMs: 600_000 });
    const names = [...new Set([...stdout.matchAll(/^unpacking (\S+) \(/gm)].map((m) => m[1]!))];
    for (const n of names) this.imageIds.delete(n);
    return names;
  }

  async removeAll(): Promise<void> {
    for (const sb of this.sandboxRecords()) await this.removeSandbox(sb.podUid).catch(() => {});
    for (const c of this.containerRecords()) await this.removeContainer(c.id).catch(() => {});
    // Containers of this node left without a record.
    const { stdout } = await this.cli.run(["containers", "ls", "-q", `labels."${LABEL_NODE}"==${this.settings.nodeName}`]).catch(() => ({ stdout: "" }));
    for (const id of stdout.split("\n").map((s) => s.trim()).filter(Boolean)) await this.removeContainer(id).catch(() => {});
  }
}

/**
 * Containers run without a terminal on containerd, `tty: true` ones too: `ctr run --tty`
 * wants its own stdin to be a terminal, and with a log program (a `binary://` log URI) ctr
 * tells the shim there is no terminal, so a tty container's output never reached the log.
 * Without one its output is logged and attach passes its stdin line by line.
 */
function pipedStdin(spec: ContainerSpec): boolean {
  return !!spec.stdin;
}

function utsPath(podUid: string): string {
  return `${podNetnsPath(podUid)}-uts`;
}

function matches(labels: Record<string, string>, filter: LabelFilter): boolean {
  return Object.entries(filter).every(([k, v]) => labels[k] === v);
}

function toInfo(r: ContainerRecord, state: ContainerInfo["state"]): ContainerInfo {
  return {
    id: r.id,
    name: r.name,
    podUid: r.podUid,
    sandboxId: r.sandboxId,
    state,
    exitCode: state === "exited" ? r.exitCode : undefined,
    oomKilled: state === "exited" ? r.oomKilled || undefined : undefined,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: state === "exited" ? r.finishedAt : undefined,
    labels: r.labels,
    image: r.image,
    imageID: r.imageID,
    attempt: r.attempt,
  };
}

/** One line of `ctr events`; undefined for what the agent does not act on (exec exits among them). */
export function parseCtrEvent(line: string): Omit<RuntimeEvent, "podUid"> | undefined {
  const m = /\s(\/(?:tasks|containers)\/[a-z]+)\s+(\{.*\})\s*$/.exec(line);
  if (!m) return undefined;
  let body: { container_id?: string; id?: string; exit_status?: number };
  try {
    body = JSON.parse(m[2]!);
  } catch {
    return undefined;
  }
  const topic = m[1]!;
  if (topic === "/tasks/start" && body.container_id) return { containerId: body.container_id, type: "started" };
  if (topic === "/tasks/exit" && body.container_id && body.id === body.container_id) return { containerId: body.container_id, type: "exited", exitCode: body.exit_status ?? 0 };
  if (topic === "/tasks/oom" && body.container_id) return { containerId: body.container_id, type: "oomKilled" };
  if (topic === "/containers/delete" && body.id) return { containerId: body.id, type: "removed" };
  return undefined;
}
