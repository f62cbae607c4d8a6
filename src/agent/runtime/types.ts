// The contract between the node agent and a container runtime. A driver is a
// small, replaceable plugin: the agent only ever speaks this interface, so
// podman today and containerd later are interchangeable.

/** Labels that must all match (logical AND). */
export type LabelFilter = Record<string, string>;

export interface SandboxSpec {
  podUid: string;
  podName: string;
  namespace: string;
  /** Extra labels copied onto the sandbox (for example the pod's own labels). */
  labels?: Record<string, string>;
  /** Hostname seen inside the pod; defaults to the pod name. */
  hostname?: string;
  /** resolv.conf of the pod (cluster DNS for dnsPolicy ClusterFirst). */
  dns?: { nameservers: string[]; searches: string[]; options: string[] };
}

/** "created": made but not started yet (the first container started in it starts it too). */
export type SandboxState = "ready" | "created" | "notready";

export interface SandboxInfo {
  id: string;
  podUid: string;
  podName: string;
  namespace: string;
  state: SandboxState;
  /** The infra container holding the pod's namespaces, when known. */
  infraId?: string;
  /** The pod IP on the node's bridge network; undefined while not ready. */
  ip?: string;
  labels: Record<string, string>;
  createdAt?: string;
}

export interface MountSpec {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface ContainerSpec {
  /** The Kubernetes container name (unique within the pod). */
  name: string;
  image: string;
  /** Replaces the image's entrypoint (Kubernetes `command`). */
  command?: string[];
  /** Replaces the image's cmd (Kubernetes `args`). */
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  mounts?: MountSpec[];
  memoryLimitBytes?: number;
  cpuLimitMillis?: number;
  cpuRequestMillis?: number;
  labels?: Record<string, string>;
  /** Restart attempt; makes the runtime name unique across restarts. */
  attempt?: number;
  tty?: boolean;
  stdin?: boolean;
  /** Numeric uid[:gid] or user name. */
  user?: string;
  /** Runs in the process namespace of this container (an ephemeral container's target). */
  pidNamespaceOf?: string;
}

export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface ContainerInfo {
  id: string;
  /** The Kubernetes container name, from the container's labels. */
  name: string;
  podUid: string;
  sandboxId: string;
  state: ContainerState;
  exitCode?: number;
  /** Set when the kernel's OOM killer ended the container. */
  oomKilled?: boolean;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  labels: Record<string, string>;
  /** The reference the container was created from. */
  image: string;
  imageID: string;
  attempt: number;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  since?: Date;
}

export interface ExecOptions {
  stdin?: boolean;
  tty?: boolean;
  /** Initial terminal size when tty is set. */
  cols?: number;
  rows?: number;
}

/** Attaching to a container's own stdio: stdin only when the container was made with stdin. */
export type AttachOptions = ExecOptions;

export interface ExecSession {
  /** Present when opened with stdin (or tty). Close it to send EOF. */
  stdin: WritableStream<Uint8Array> | null;
  /** With tty, stdout carries the terminal's merged output. */
  stdout: ReadableStream<Uint8Array>;
  /** Null with tty: a terminal has one output stream. */
  stderr: ReadableStream<Uint8Array> | null;
  /** Changes the terminal size; a no-op without tty. */
  resize(cols: number, rows: number): void;
  exitCode: Promise<number>;
  /** Ends the session early. */
  kill(): void;
}

export interface ContainerStats {
  id: string;
  cpuSeconds: number;
  memoryWorkingSetBytes: number;
}

/** What happened to a container, in the agent's words whatever the runtime calls it. */
export type RuntimeEventType = "started" | "exited" | "oomKilled" | "removed";

/** A change the runtime reports about one of this node's containers. */
export interface RuntimeEvent {
  containerId: string;
  podUid: string;
  type: RuntimeEventType;
  /** With "exited", when the runtime tells it. */
  exitCode?: number;
}

/** What a driver can do beyond the contract every driver meets. */
export interface RuntimeCapabilities {
  /** attach() reaches the container's own stdio. */
  attach: boolean;
  /** Containers can join another container's process namespace (ephemeral containers). */
  sharedPidNamespace: boolean;
  /** ContainerSpec.user is applied. */
  runAsUser: boolean;
  /** Images can be pulled from a registry (imagePullPolicy Always / IfNotPresent). */
  pull: boolean;
  /** An OOM kill is told apart from other SIGKILLs (ContainerInfo.oomKilled). */
  oomKilled: boolean;
}

/** A long-lived subscription to runtime events. */
export interface RuntimeEventStream {
  /** Settles when the stream ends (the runtime's process exited or stop() was called). */
  ended: Promise<void>;
  stop(): void;
}

export interface EnsureSandboxOptions {
  /** The pod's sandboxes as the caller last saw them: skips asking the runtime. */
  known?: SandboxInfo[];
  /** Start it now (default); otherwise the first container started in it starts it. */
  start?: boolean;
  /** Pod IPs the runtime holds, as the caller last saw them: a new sandbox gets another one. */
  addressesInUse?: (string | undefined)[];
}

export interface RuntimeDriver {
  /** "podman" or "containerd". */
  readonly name: string;
  readonly capabilities: RuntimeCapabilities;
  /** For node.status.nodeInfo.containerRuntimeVersion, e.g. "podman://4.3.1". */
  version(): Promise<string>;
  /** Idempotent: returns the existing ready sandbox of the pod or makes one. */
  ensureSandbox(spec: SandboxSpec, opts?: EnsureSandboxOptions): Promise<SandboxInfo>;
  /** Removes the pod's sandbox and every container in it; missing is fine. */
  removeSandbox(podUid: string): Promise<void>;
  /**
   * stopContainer on each running container of the pod (`graceSeconds` each, at once), then
   * removeSandbox, in as few runtime calls as the runtime allows; drivers without a cheaper
   * way leave it out and the agent makes those calls itself.
   */
  stopAndRemoveSandbox?(podUid: string, graceSeconds: number): Promise<void>;
  listSandboxes(filter?: LabelFilter): Promise<SandboxInfo[]>;
  createContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /**
   * Creates and starts a container in one step, and returns it and its sandbox as they
   * are once it runs (the sandbox started with it, holding the pod IP).
   */
  runContainer(sandbox: SandboxInfo, spec: ContainerSpec): Promise<{ container: ContainerInfo; sandbox: SandboxInfo }>;
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: LabelFilter): Promise<ContainerInfo[]>;
  logs(id: string, opts?: LogOptions): ReadableStream<Uint8Array>;
  exec(id: string, cmd: string[], opts?: ExecOptions): ExecSession;
  /**
   * Attaches to a running container's main process (kubectl attach). kill() detaches and
   * leaves the container running; exitCode settles when the session ends.
   */
  attach(id: string, opts?: AttachOptions): ExecSession;
  stats(ids: string[]): Promise<ContainerStats[]>;
  /** Follows container events of this node until stopped. */
  watchEvents(onEvent: (e: RuntimeEvent) => void): RuntimeEventStream;
  imageExists(ref: string): Promise<boolean>;
  /** Pulls an image from its registry; drivers that cannot pull leave it out. */
  pullImage?(ref: string): Promise<void>;
  /**
   * Loads an image archive (docker-archive / oci-archive, names kept) or, with
   * `reference`, a plain root filesystem tar. Returns the image names made.
   */
  importImage(tarPath: string, reference?: string): Promise<string[]>;
  /** Ends every runtime command still running (the agent stops): none may keep it waiting. */
  close(): void;
  /**
   * Removes every container, sandbox and runtime network of this node, whatever state they
   * are in (`skiff killall`); the host network pieces are the caller's.
   */
  removeAll(): Promise<void>;
  /** The node's pod bridge (torn down by killall). */
  readonly bridge: string;
}
