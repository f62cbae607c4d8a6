// What the runtime runs on this node, kept in memory: filled by a full listing now and
// then, corrected per pod when the runtime reports an event, and updated directly with
// what the pod workers make. A pass over the pods reads it without asking podman.
//
// A listing takes time; a worker may change a pod meanwhile. Each pod carries the
// sequence number of its last direct change, and a listing started before that change
// leaves the pod alone (its answer is older than what the worker recorded).
import type { ContainerInfo, LabelFilter, RuntimeDriver, SandboxInfo } from "./runtime/types.ts";
import { LABEL_NODE, LABEL_POD_UID } from "./runtime/labels.ts";

export type RuntimeSnapshot = { containers: ContainerInfo[]; sandboxes: SandboxInfo[] };

export class RuntimeCache {
  private readonly containers = new Map<string, ContainerInfo>();
  private readonly sandboxes = new Map<string, SandboxInfo>();
  private readonly changedAt = new Map<string, number>();
  private seq = 0;
  /** Whether a full listing has been applied yet. */
  listed = false;

  constructor(
    private readonly driver: RuntimeDriver,
    private readonly nodeName: string,
  ) {}

  snapshot(): RuntimeSnapshot {
    return { containers: [...this.containers.values()], sandboxes: [...this.sandboxes.values()] };
  }

  containersOf(uid: string): ContainerInfo[] {
    return [...this.containers.values()].filter((c) => c.podUid === uid);
  }

  /** Whether anything of the pod is held (a container or a sandbox). */
  holdsPod(uid: string): boolean {
    for (const c of this.containers.values()) if (c.podUid === uid) return true;
    for (const s of this.sandboxes.values()) if (s.podUid === uid) return true;
    return false;
  }

  sandboxesOf(uid: string): SandboxInfo[] {
    return [...this.sandboxes.values()].filter((s) => s.podUid === uid);
  }

  putContainer(c: ContainerInfo) {
    this.touch(c.podUid);
    this.containers.set(c.id, c);
  }

  removeContainer(c: ContainerInfo) {
    this.touch(c.podUid);
    this.containers.delete(c.id);
  }

  /** The pod's sandbox as just made or seen; others of the same pod are gone (replaced). */
  putSandbox(s: SandboxInfo) {
    this.touch(s.podUid);
    for (const old of this.sandboxesOf(s.podUid)) if (old.id !== s.id) this.sandboxes.delete(old.id);
    this.sandboxes.set(s.id, s);
  }

  forgetPod(uid: string) {
    this.touch(uid);
    this.replacePod(uid, [], []);
  }

  /** Lists everything of this node and takes it, except pods changed since the listing began. */
  async relist(): Promise<void> {
    const started = this.seq;
    const filter = { [LABEL_NODE]: this.nodeName };
    const [containers, sandboxes] = await this.list(filter);
    const uids = new Set([...containers, ...sandboxes, ...this.containers.values(), ...this.sandboxes.values()].map((x) => x.podUid));
    for (const uid of uids) {
      if ((this.changedAt.get(uid) ?? 0) > started) continue;
      this.replacePod(uid, containers.filter((c) => c.podUid === uid), sandboxes.filter((s) => s.podUid === uid));
      // Nothing left and nothing changing: no need to remember when it last changed.
      if (!this.containersOf(uid).length && !this.sandboxesOf(uid).length) this.changedAt.delete(uid);
    }
    this.listed = true;
  }

  /** Lists one pod's containers and sandboxes; false when a worker changed it meanwhile (ask again). */
  async refreshPod(uid: string): Promise<boolean> {
    const started = this.seq;
    const [containers, sandboxes] = await this.list({ [LABEL_NODE]: this.nodeName, [LABEL_POD_UID]: uid });
    if ((this.changedAt.get(uid) ?? 0) > started) return false;
    this.replacePod(uid, containers, sandboxes);
    return true;
  }

  /**
   * refreshPod, asked again while workers keep changing the pod (three tries at most: a
   * worker's own record is as good). A runtime that cannot answer leaves the cache as it is.
   */
  async settlePod(uid: string): Promise<void> {
    for (let i = 0; i < 3; i++) if (await this.refreshPod(uid).catch(() => true)) return;
  }

  private list(filter: LabelFilter) {
    return Promise.all([this.driver.listContainers(filter), this.driver.listSandboxes(filter)]);
  }

  private touch(uid: string) {
    this.changedAt.set(uid, ++this.seq);
  }

  private replacePod(uid: string, containers: ContainerInfo[], sandboxes: SandboxInfo[]) {
    for (const [id, c] of this.containers) if (c.podUid === uid) this.containers.delete(id);
    for (const [id, s] of this.sandboxes) if (s.podUid === uid) this.sandboxes.delete(id);
    for (const c of containers) this.containers.set(c.id, c);
    for (const s of sandboxes) this.sandboxes.set(s.id, s);
  }
}
